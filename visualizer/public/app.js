/* global document, fetch, setTimeout */
// The visualizer page: the desk dashboard on top; then every machine drawn with live counts, the order
// list, the journal timeline (time travel) and the side panels.
import { Dashboard } from './dashboard.js';
import { renderDiagram } from './diagram.js';
import { connectInspection, renderEvents, renderPositions } from './panels.js';
import { Timeline } from './timeline.js';

const POLL_MS = 500;
const charts = new Map();

async function getJson(url) {
  const res = await fetch(url, { headers: { accept: 'application/json' } });
  const body = await res.json();
  if (!res.ok) throw new Error(body.error ?? `${res.status}`);
  return body;
}

async function drawMachines() {
  const { machines } = await getJson('/api/machines');
  const host = document.getElementById('diagrams');
  for (const diagram of machines) {
    const figure = document.createElement('figure');
    figure.dataset.machine = diagram.machine;
    const caption = document.createElement('figcaption');
    caption.textContent = `${diagram.machine} machine (v${diagram.version})`;
    const canvas = document.createElement('div');
    canvas.className = 'canvas';
    figure.append(caption, canvas);
    host.appendChild(figure);
    charts.set(diagram.machine, renderDiagram(canvas, diagram));
  }
  const order = machines.find((m) => m.machine === 'order');
  const select = document.getElementById('order-state');
  for (const n of order?.nodes ?? []) {
    if (n.kind !== 'state' || n.parent === null || n.path.includes('.')) continue;
    const option = document.createElement('option');
    option.value = n.path;
    option.textContent = n.path;
    select.appendChild(option);
  }
  applyZoom();
}

function applyZoom() {
  const zoom = Number(document.getElementById('zoom').value);
  for (const chart of charts.values()) {
    const box = chart.svg.viewBox.baseVal;
    chart.svg.setAttribute('width', String(Math.round(box.width * zoom)));
    chart.svg.setAttribute('height', String(Math.round(box.height * zoom)));
  }
}

async function poll() {
  try {
    const live = await getJson('/api/live');
    const status = document.getElementById('db-status');
    status.textContent = live.database.open
      ? `live: ${live.database.file}`
      : `waiting: ${live.database.waitingFor}`;
    status.className = `status ${live.database.open ? 'live' : 'waiting'}`;
    for (const [machine, chart] of charts) chart.setCounts(live.counts[machine] ?? {});
    renderPositions(document.querySelector('#positions tbody'), live.positions);
    renderEvents(document.getElementById('events'), live.events);
    document.getElementById('updated').textContent = `updated ${new Date().toLocaleTimeString()}`;
  } catch (err) {
    document.getElementById('db-status').textContent = `error: ${err.message}`;
  } finally {
    setTimeout(poll, POLL_MS);
  }
}

async function main() {
  new Dashboard(getJson).start();
  await drawMachines();
  document.getElementById('zoom').addEventListener('input', applyZoom);
  const timeline = new Timeline(getJson, (path, previous, eventType) =>
    charts.get('order')?.highlight(path, previous, eventType),
  );
  timeline.start();
  connectInspection(document.getElementById('inspect-events'), document.getElementById('inspect-status'));
  void poll();
  document.body.dataset.ready = 'true';
}

void main();
