/* global document, location, WebSocket, setTimeout */
// Side panels: the position book per symbol, the last journal events, and the live inspection stream
// (XState inspection events an engine started with `--inspect` sends to this server's /inspect).

const time = (ms) => new Date(ms).toISOString().slice(11, 23);
const KEEP = 50;

function row(cells) {
  const tr = document.createElement('tr');
  for (const c of cells) {
    const td = document.createElement('td');
    td.textContent = c;
    tr.appendChild(td);
  }
  return tr;
}

/** Fills the positions table (decimals are shown exactly as stored). */
export function renderPositions(tbody, positions) {
  tbody.replaceChildren(
    ...positions.map((p) => {
      const tr = row([p.symbol, p.quantity, p.averagePrice, p.realizedPnl, String(p.fillCount)]);
      tr.dataset.symbol = p.symbol;
      return tr;
    }),
  );
}

/** Fills the last-events list (newest first). */
export function renderEvents(list, events) {
  list.replaceChildren(
    ...events.map((e) => {
      const li = document.createElement('li');
      li.dataset.seq = String(e.seq);
      li.textContent = `${time(e.at)} ${e.actorId} #${e.rev} ${e.eventType} → ${e.state}`;
      return li;
    }),
  );
}

function describe(ev) {
  const value = ev.snapshot?.value;
  const state = typeof value === 'string' ? value : JSON.stringify(value);
  switch (ev.type) {
    case '@xstate.actor':
      return `actor ${ev.sessionId} (${ev.name})`;
    case '@xstate.event':
      return `event ${ev.sessionId} ${ev.event?.type}`;
    case '@xstate.snapshot':
      return `snapshot ${ev.sessionId} ${ev.event?.type} → ${state}`;
    default:
      return `${ev.type}`;
  }
}

/** Listens to the /inspect relay and lists the newest inspection events first; reconnects on close. */
export function connectInspection(list, status) {
  const open = () => {
    const ws = new WebSocket(`ws://${location.host}/inspect`);
    ws.addEventListener('open', () => (status.textContent = 'connected'));
    ws.addEventListener('message', (m) => {
      let ev;
      try {
        ev = JSON.parse(m.data);
      } catch {
        return;
      }
      const li = document.createElement('li');
      li.dataset.type = ev.type;
      li.textContent = describe(ev);
      list.prepend(li);
      while (list.children.length > KEEP) list.lastChild.remove();
    });
    ws.addEventListener('close', () => {
      status.textContent = 'disconnected, retrying';
      setTimeout(open, 2000);
    });
  };
  open();
}
