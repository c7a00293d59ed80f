/* global document, setTimeout, window, URLSearchParams */
// The desk dashboard: the trading-state banner, the risk denials table and the per-symbol charts. The
// first poll fetches the whole window; later ones ask only for the buckets from the last one on
// (`since` + `bucket`) and splice them in, unless the server answers with the whole window again (its
// bucket width changed as the window filled up).
import { SymbolCharts } from './charts.js';

const POLL_MS = 1000;
const POINTS = 300;
const KEYS = ['mid', 'position', 'realizedPnl', 'liveOrders', 'denials'];
const $ = (id) => document.getElementById(id);
const clock = (ms) => new Date(ms).toISOString().replace('T', ' ').slice(0, 19);

export class Dashboard {
  constructor(getJson) {
    this.getJson = getJson;
    this.charts = new SymbolCharts($('symbol-charts'));
    this.data = null; // { bucketMs, t, symbols: Map<symbol, series> }
  }

  start() {
    $('dashboard-range').addEventListener('change', () => (this.data = null));
    window.addEventListener('resize', () => this.charts.resize());
    const tick = () => void this.poll().finally(() => setTimeout(tick, POLL_MS));
    tick();
  }

  async poll() {
    const params = new URLSearchParams({ window: $('dashboard-range').value, points: String(POINTS) });
    const last = this.data?.t.at(-1);
    if (last !== undefined) {
      params.set('since', String(last));
      params.set('bucket', String(this.data.bucketMs));
    }
    let answer;
    try {
      answer = await this.getJson(`/api/dashboard?${params}`);
    } catch (err) {
      $('dashboard-window').textContent = `(${err.message})`;
      return;
    }
    this.renderBanner(answer.tradingState);
    this.renderDenials(answer.denials);
    this.merge(answer);
    const { from, to, bucketMs } = answer.window;
    $('dashboard-window').textContent =
      this.data.t.length === 0
        ? '(no journal yet)'
        : `${clock(from)} – ${clock(to)} UTC · ${bucketMs} ms buckets${answer.complete ? '' : ' · reading history…'}`;
    this.charts.render(this.data.t, [...this.data.symbols.values()]);
    document.body.dataset.dashboard = 'ready';
  }

  /** Splices an answer into what the page holds, keeping only the buckets of the window. */
  merge(answer) {
    const { bucketMs, from, full } = answer.window;
    if (full || this.data === null || this.data.bucketMs !== bucketMs) {
      this.data = { bucketMs, t: [], symbols: new Map() };
    }
    const d = this.data;
    const since = answer.t[0];
    const keep = since === undefined ? d.t.length : d.t.findIndex((t) => t >= since);
    const cut = keep < 0 ? d.t.length : keep;
    const start = Math.floor(from / bucketMs) * bucketMs;
    const drop = Math.max(
      0,
      d.t.slice(0, cut).findIndex((t) => t >= start),
    );
    const before = d.t.slice(drop, cut).length;
    d.t = d.t.slice(drop, cut).concat(answer.t);
    for (const s of answer.symbols) {
      const old = d.symbols.get(s.symbol);
      const merged = { symbol: s.symbol };
      for (const key of KEYS) {
        const head = old === undefined ? new Array(before).fill(null) : old[key].slice(drop, cut);
        merged[key] = head.concat(s[key]);
      }
      d.symbols.set(s.symbol, merged);
    }
  }

  renderBanner(state) {
    const banner = $('trading-banner');
    banner.dataset.state = state.state;
    $('trading-state').textContent = state.state.toUpperCase();
    $('trading-reason').textContent = state.reason ?? '';
    $('trading-since').textContent = state.changedAt > 0 ? `since ${clock(state.changedAt)} UTC` : '';
  }

  renderDenials(denials) {
    const rows = [...denials].sort((a, b) => b.lastAt - a.lastAt);
    $('denials')
      .querySelector('tbody')
      .replaceChildren(
        ...rows.map((d) => {
          const tr = document.createElement('tr');
          tr.dataset.rule = d.rule;
          tr.dataset.symbol = d.symbol;
          for (const text of [d.rule || '(unnamed)', d.symbol, String(d.count), clock(d.lastAt)]) {
            const td = document.createElement('td');
            td.textContent = text;
            tr.appendChild(td);
          }
          return tr;
        }),
      );
    $('denials-none').hidden = rows.length > 0;
  }
}
