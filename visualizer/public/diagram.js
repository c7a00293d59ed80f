/* global document */
// Draws one laid-out statechart (from /api/machines) as SVG and updates counts and highlights on it.

const SVG = 'http://www.w3.org/2000/svg';
const LINE = 15;
const CHAR = 7.3;

function el(name, attrs = {}, parent = null) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (parent) parent.appendChild(node);
  return node;
}

function text(parent, x, y, content, cls) {
  const t = el('text', { x, y, class: cls }, parent);
  t.textContent = content;
  return t;
}

const isPrefix = (ancestor, path) => ancestor === '' || path === ancestor || path.startsWith(`${ancestor}.`);

/** Draws `diagram` into `container`; returns a controller for counts and highlights. */
export function renderDiagram(container, diagram) {
  const svg = el('svg', {
    class: 'statechart',
    'data-machine': diagram.machine,
    viewBox: `0 0 ${diagram.width} ${diagram.height}`,
    width: diagram.width,
    height: diagram.height,
    role: 'img',
    'aria-label': `statechart of the ${diagram.machine} machine`,
  });
  const defs = el('defs', {}, svg);
  const marker = el(
    'marker',
    {
      id: `arrow-${diagram.machine}`,
      viewBox: '0 0 10 10',
      refX: 10,
      refY: 5,
      markerWidth: 8,
      markerHeight: 8,
      orient: 'auto-start-reverse',
    },
    defs,
  );
  el('path', { d: 'M 0 0 L 10 5 L 0 10 z' }, marker);

  const states = new Map();
  for (const n of diagram.nodes) {
    if (n.kind === 'initial') {
      el('circle', { class: 'initial', cx: n.x + n.width / 2, cy: n.y + n.height / 2, r: n.width / 2 }, svg);
      continue;
    }
    const classes = ['state'];
    if (n.compound) classes.push('compound');
    if (n.parent === null) classes.push('root');
    if (n.tags.includes('terminal')) classes.push('terminal');
    const g = el('g', { class: classes.join(' '), 'data-path': n.path, 'data-id': n.id }, svg);
    el('title', {}, g).textContent = `${n.id}${n.tags.length ? ` [${n.tags.join(', ')}]` : ''}`;
    el('rect', { class: 'box', x: n.x, y: n.y, width: n.width, height: n.height, rx: 8 }, g);
    text(g, n.x + 10, n.y + 18, n.label, 'name');
    n.lines.forEach((line, i) => text(g, n.x + 10, n.y + 18 + (i + 1) * LINE, line, 'line'));
    const badge = el('g', { class: 'count' }, g);
    const rect = el('rect', { y: n.y - 9, height: 18, rx: 9 }, badge);
    const label = text(badge, 0, n.y + 4, '0', 'count-text');
    states.set(n.path, { g, n, badge, rect, label });
    setBadge(states.get(n.path), 0);
  }

  const edges = [];
  for (const e of diagram.edges) {
    if (e.points.length < 2) continue;
    const g = el('g', { class: 'edge', 'data-source': e.source, 'data-target': e.target }, svg);
    const d = e.points.map((p, i) => `${i === 0 ? 'M' : 'L'} ${p.x} ${p.y}`).join(' ');
    el('path', { d, 'marker-end': `url(#arrow-${diagram.machine})` }, g);
    if (e.label) {
      el(
        'rect',
        { class: 'label-bg', x: e.label.x, y: e.label.y, width: e.label.width, height: e.label.height },
        g,
      );
      e.events.forEach((ev, i) => text(g, e.label.x + 3, e.label.y + 12 + i * LINE, ev, 'event'));
    }
    el('title', {}, g).textContent = e.transitions
      .map((t) => `${t.event}${t.guard ? ` [${t.guard}]` : ''}`)
      .join('\n');
    const source = diagram.nodes.find((n) => n.id === e.source);
    const target = diagram.nodes.find((n) => n.id === e.target);
    edges.push({ g, e, source: source?.path ?? null, target: target?.path ?? null });
  }
  container.appendChild(svg);

  return {
    svg,
    /** Shows `counts` (state path -> number of actors) on every state node. */
    setCounts(counts) {
      for (const s of states.values()) setBadge(s, counts?.[s.n.path] ?? 0);
    },
    /** Highlights the state `path` (and its ancestors), and the edge taken from `previous` by `eventType`. */
    highlight(path, previous = null, eventType = null) {
      for (const s of states.values()) {
        s.g.classList.toggle('current', path !== null && s.n.path === path);
        s.g.classList.toggle('active', path !== null && s.n.path !== path && isPrefix(s.n.path, path));
      }
      states.get(path)?.g.scrollIntoView({ block: 'nearest', inline: 'nearest' });
      for (const x of edges) {
        const taken =
          path !== null &&
          previous !== null &&
          x.source !== null &&
          x.target !== null &&
          isPrefix(x.source, previous) &&
          isPrefix(x.target, path) &&
          x.e.transitions.some((t) => t.event === eventType);
        x.g.classList.toggle('taken', taken);
      }
    },
  };
}

function setBadge(s, value) {
  const content = String(value);
  const width = 10 + content.length * CHAR;
  s.rect.setAttribute('x', String(s.n.x + s.n.width - width - 6));
  s.rect.setAttribute('width', String(width));
  s.label.setAttribute('x', String(s.n.x + s.n.width - width - 1));
  s.label.textContent = content;
  s.badge.classList.toggle('nonzero', value > 0);
  s.g.setAttribute('data-count', content);
}
