import elkBundle from 'elkjs/lib/elk.bundled.js';
import type { ELK, ELKConstructorArguments, ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api.js';
import type { StateInfo, StatechartGraph, TransitionInfo } from './graph.js';

/** elkjs is CommonJS: at run time its default import is the constructor itself. */
const Elk = elkBundle as unknown as new (args?: ELKConstructorArguments) => ELK;

/** A positioned state (or initial-state marker), in absolute diagram coordinates. */
export interface DiagramNode {
  id: string;
  /** `state` or `initial` (the dot that points at a compound state's initial child). */
  kind: 'state' | 'initial';
  /** Dotted state path (as in `actors.state` and `journal.state`); '' for the machine root; the id for `initial`. */
  path: string;
  label: string;
  parent: string | null;
  compound: boolean;
  tags: string[];
  invokes: string[];
  /** Lines listed inside the node: invokes and transitions that change no state. */
  lines: string[];
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A positioned edge: a polyline and its label block. */
export interface DiagramEdge {
  id: string;
  source: string;
  target: string;
  /** Unique event labels, one per label line. */
  events: string[];
  transitions: TransitionInfo[];
  points: { x: number; y: number }[];
  label: { x: number; y: number; width: number; height: number } | null;
}

/** A machine laid out for drawing. */
export interface Diagram {
  machine: string;
  version: number;
  width: number;
  height: number;
  nodes: DiagramNode[];
  edges: DiagramEdge[];
}

/** Width of one character of the page's 12 px monospace font (the page draws with the same numbers). */
export const CHAR_WIDTH = 7.3;
/** Height of one text line in a node or an edge label. */
export const LINE_HEIGHT = 15;
const HEADER = 26;
const PAD = 10;

const textWidth = (s: string) => Math.ceil(s.length * CHAR_WIDTH);

function nodeLines(s: StateInfo): string[] {
  const internal = [...new Set(s.internal.map((t) => t.label))];
  return [...s.invokes.map((src) => `invoke ${src}`), ...internal.map((l) => `↺ ${l}`)];
}

/** ELK options of every level of the hierarchy (ELK reads spacing and routing per parent node). */
const LAYOUT: Record<string, string> = {
  'elk.algorithm': 'layered',
  'elk.direction': 'DOWN',
  'elk.edgeRouting': 'ORTHOGONAL',
  'elk.layered.spacing.nodeNodeBetweenLayers': '50',
  'elk.spacing.nodeNode': '24',
  'elk.spacing.edgeLabel': '3',
  'elk.spacing.edgeEdge': '8',
  'elk.layered.spacing.edgeNodeBetweenLayers': '12',
  'elk.layered.spacing.edgeEdgeBetweenLayers': '8',
  'elk.layered.nodePlacement.strategy': 'NETWORK_SIMPLEX',
  'elk.layered.cycleBreaking.strategy': 'DEPTH_FIRST',
};

function elkNode(s: StateInfo, graph: StatechartGraph, options: Record<string, string>): ElkNode {
  const children = graph.states.filter((c) => c.parent === s.id);
  const lines = nodeLines(s);
  const header = s.parent === null ? `${s.key} (machine)` : s.key;
  if (children.length === 0) {
    const width = Math.max(90, ...[header, ...lines].map(textWidth)) + 2 * PAD;
    return { id: s.id, width, height: HEADER + lines.length * LINE_HEIGHT + PAD };
  }
  const nested: ElkNode[] = children.map((c) => elkNode(c, graph, options));
  if (s.initial !== null) nested.unshift({ id: `${s.id}#initial`, width: 12, height: 12 });
  const top = HEADER + lines.length * LINE_HEIGHT + PAD;
  return {
    id: s.id,
    children: nested,
    layoutOptions: {
      ...options,
      'elk.padding': `[top=${top},left=${PAD * 2},bottom=${PAD * 2},right=${PAD * 2}]`,
      'elk.nodeSize.minimum': `(${Math.max(...[header, ...lines].map(textWidth)) + 2 * PAD}, ${top + 20})`,
      'elk.nodeSize.constraints': 'MINIMUM_SIZE',
    },
  };
}

function elkEdges(graph: StatechartGraph): ElkExtendedEdge[] {
  const edges: ElkExtendedEdge[] = graph.edges.map((e) => {
    const events = [...new Set(e.transitions.map((t) => t.label))];
    return {
      id: e.id,
      sources: [e.source],
      targets: [e.target],
      labels: [
        {
          text: events.join('\n'),
          width: Math.max(...events.map(textWidth)) + 6,
          height: events.length * LINE_HEIGHT + 2,
        },
      ],
    };
  });
  for (const s of graph.states) {
    if (s.initial !== null && graph.states.some((c) => c.parent === s.id)) {
      edges.push({ id: `${s.id}#initial->${s.initial}`, sources: [`${s.id}#initial`], targets: [s.initial] });
    }
  }
  return edges;
}

function flatten(node: ElkNode, parent: string | null, graph: StatechartGraph, out: DiagramNode[]): void {
  const info = graph.states.find((s) => s.id === node.id);
  const base = { x: node.x ?? 0, y: node.y ?? 0, width: node.width ?? 0, height: node.height ?? 0 };
  if (info === undefined) {
    out.push({
      id: node.id,
      kind: 'initial',
      path: node.id,
      label: '',
      parent,
      compound: false,
      tags: [],
      invokes: [],
      lines: [],
      ...base,
    });
  } else {
    out.push({
      id: info.id,
      kind: 'state',
      path: info.path,
      label: info.parent === null ? `${info.key} (machine)` : info.key,
      parent,
      compound: (node.children?.length ?? 0) > 0,
      tags: info.tags,
      invokes: info.invokes,
      lines: nodeLines(info),
      ...base,
    });
  }
  for (const child of node.children ?? []) flatten(child, node.id, graph, out);
}

/**
 * Lays out a statechart with ELK's layered algorithm, hierarchy included (edges may cross compound
 * states), and returns absolute coordinates for every node, edge bend and edge label.
 */
export async function layoutGraph(
  graph: StatechartGraph,
  options: Record<string, string> = {},
): Promise<Diagram> {
  const root = graph.states.find((s) => s.parent === null);
  if (root === undefined) throw new Error(`machine ${graph.machine} has no root state`);
  const settings = { ...LAYOUT, ...options };
  const elk = new Elk();
  const graphIn: ElkNode = {
    id: '__diagram',
    layoutOptions: {
      ...settings,
      'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
      'elk.json.edgeCoords': 'ROOT',
      'elk.json.shapeCoords': 'ROOT',
      'elk.padding': '[top=10,left=10,bottom=10,right=10]',
    },
    children: [elkNode(root, graph, settings)],
    edges: elkEdges(graph),
  };
  const laid: ElkNode = await elk.layout(graphIn);
  const nodes: DiagramNode[] = [];
  for (const child of laid.children ?? []) flatten(child, null, graph, nodes);
  const edges: DiagramEdge[] = (laid.edges ?? []).map((e) => {
    const info = graph.edges.find((g) => g.id === e.id);
    const points = (e.sections ?? []).flatMap((s) => [s.startPoint, ...(s.bendPoints ?? []), s.endPoint]);
    const l = e.labels?.[0];
    return {
      id: e.id,
      source: e.sources[0] ?? '',
      target: e.targets[0] ?? '',
      events: info === undefined ? [] : [...new Set(info.transitions.map((t) => t.label))],
      transitions: info?.transitions ?? [],
      points: points.map((p) => ({ x: p.x, y: p.y })),
      label:
        l === undefined || info === undefined
          ? null
          : { x: l.x ?? 0, y: l.y ?? 0, width: l.width ?? 0, height: l.height ?? 0 },
    };
  });
  return {
    machine: graph.machine,
    version: graph.version,
    width: laid.width ?? 0,
    height: laid.height ?? 0,
    nodes,
    edges,
  };
}
