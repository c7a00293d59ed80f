/* global document, setTimeout, clearTimeout, Element, URLSearchParams */
// The order list (recent first, filterable) and the journal timeline of the picked order: stepping
// through it (buttons, arrow keys, Home/End, or a click) highlights the state the order was in.

const $ = (id) => document.getElementById(id);
const time = (ms) => new Date(ms).toISOString().slice(11, 23);

export class Timeline {
  constructor(getJson, highlight) {
    this.getJson = getJson;
    this.highlight = highlight;
    this.selected = null;
    this.entries = [];
    this.step = -1;
    this.debounce = null;
  }

  start() {
    const reload = () => {
      clearTimeout(this.debounce);
      this.debounce = setTimeout(() => void this.loadOrders(), 200);
    };
    $('order-search').addEventListener('input', reload);
    $('order-state').addEventListener('change', reload);
    $('step-first').addEventListener('click', () => this.go(0));
    $('step-prev').addEventListener('click', () => this.go(this.step - 1));
    $('step-next').addEventListener('click', () => this.go(this.step + 1));
    $('step-last').addEventListener('click', () => this.go(this.entries.length - 1));
    document.addEventListener('keydown', (e) => {
      if (e.target instanceof Element && e.target.matches('input, select, textarea')) return;
      const to = {
        ArrowLeft: this.step - 1,
        ArrowRight: this.step + 1,
        Home: 0,
        End: this.entries.length - 1,
      }[e.key];
      if (to === undefined || this.entries.length === 0) return;
      e.preventDefault();
      this.go(to);
    });
    const refresh = () => {
      void this.loadOrders().finally(() => setTimeout(refresh, 2000));
    };
    refresh();
  }

  async loadOrders() {
    const params = new URLSearchParams({ limit: '200' });
    const search = $('order-search').value.trim();
    const state = $('order-state').value;
    if (search) params.set('search', search);
    if (state) params.set('state', state);
    let orders = [];
    try {
      ({ orders } = await this.getJson(`/api/orders?${params}`));
    } catch {
      return;
    }
    const list = $('orders');
    list.replaceChildren(
      ...orders.map((o) => {
        const li = document.createElement('li');
        li.setAttribute('role', 'option');
        li.dataset.order = o.clientOrderId;
        li.setAttribute('aria-selected', String(o.clientOrderId === this.selected));
        li.textContent = `${o.clientOrderId} ${o.side} ${o.quantity} @ ${o.price ?? 'mkt'} · ${o.state}`;
        li.addEventListener('click', () => void this.pick(o.clientOrderId));
        return li;
      }),
    );
  }

  async pick(clientOrderId) {
    this.selected = clientOrderId;
    for (const li of $('orders').children)
      li.setAttribute('aria-selected', String(li.dataset.order === clientOrderId));
    const { actorId, entries, ignored } = await this.getJson(
      `/api/journal?order=${encodeURIComponent(clientOrderId)}`,
    );
    $('timeline-actor').textContent = actorId;
    this.entries = entries;
    // Venue facts the order did not take: listed apart (they are no step of its journal); a click shows one.
    $('ignored-title').hidden = ignored.length === 0;
    $('ignored').replaceChildren(
      ...ignored.map((f) => {
        const li = document.createElement('li');
        li.textContent = `at #${f.rev} ${time(f.at)} ${f.eventType} in ${f.state}: ${f.reason}`;
        li.addEventListener('click', () => {
          $('step-event').textContent = JSON.stringify(f.event, null, 1);
        });
        return li;
      }),
    );
    $('timeline').replaceChildren(
      ...entries.map((e, i) => {
        const li = document.createElement('li');
        li.dataset.step = String(i);
        li.dataset.state = e.state;
        li.textContent = `#${e.rev} ${time(e.at)} ${e.eventType} → ${e.state}`;
        li.addEventListener('click', () => this.go(i));
        return li;
      }),
    );
    this.go(0);
  }

  go(step) {
    if (this.entries.length === 0) return;
    this.step = Math.max(0, Math.min(this.entries.length - 1, step));
    const entry = this.entries[this.step];
    const previous = this.step > 0 ? this.entries[this.step - 1].state : null;
    for (const li of $('timeline').children) {
      if (li.dataset.step === String(this.step)) {
        li.setAttribute('aria-current', 'step');
        li.scrollIntoView({ block: 'nearest' });
      } else li.removeAttribute('aria-current');
    }
    $('step-position').textContent = `event ${this.step + 1} of ${this.entries.length}: ${entry.state}`;
    $('step-event').textContent = JSON.stringify(entry.event, null, 1);
    this.highlight(entry.state, previous, entry.eventType);
  }
}
