/* global document, uPlot */
// The per-symbol charts (uPlot, loaded from /vendor): quoted mid, position, realized PnL, and live orders
// with the risk denials as points. The API sends exact decimal strings; they become numbers only here,
// for plotting.

const CHARTS = [
  { key: 'mid', title: 'Mid (quoted)', color: '#2f6fde' },
  { key: 'position', title: 'Position', color: '#7a3fb0' },
  { key: 'realizedPnl', title: 'Realized PnL', color: '#137a3a' },
  { key: 'liveOrders', title: 'Live orders', color: '#b25e00', denials: true },
];
const HEIGHT = 150;

const num = (v) => (v === null || v === undefined ? null : Number(v));
const points = (values) => values.filter((v) => v !== null).length;

function options(spec, width) {
  const series = [
    {},
    {
      label: spec.title,
      stroke: spec.color,
      width: 1.5,
      fill: `${spec.color}18`,
      paths: uPlot.paths.stepped({ align: 1 }),
    },
  ];
  const axes = [{}, { size: 64 }];
  const scales = { x: { time: true } };
  if (spec.denials) {
    series.push({
      label: 'risk denials',
      scale: 'denials',
      stroke: '#c62828',
      fill: '#c62828',
      width: 0,
      paths: () => null,
      points: { show: true, size: 9, fill: '#c62828', stroke: '#c62828' },
    });
    axes.push({ scale: 'denials', side: 1, size: 40, grid: { show: false }, stroke: '#c62828' });
    scales.denials = { range: (u, min, max) => [0, Math.max(1, max ?? 1) * 1.2] };
  }
  return {
    width,
    height: HEIGHT,
    series,
    axes,
    scales,
    legend: { show: false },
    cursor: { drag: { x: false } },
  };
}

/** One chart of one symbol, with the number of points it plots in data attributes (for tests and tools). */
class Chart {
  constructor(host, spec, width) {
    this.spec = spec;
    this.el = document.createElement('figure');
    this.el.className = 'chart';
    this.el.dataset.series = spec.key;
    const caption = document.createElement('figcaption');
    caption.textContent = spec.title;
    const latest = document.createElement('span');
    latest.className = 'latest';
    caption.appendChild(latest);
    this.latest = latest;
    if (spec.denials) {
      const key = document.createElement('span');
      key.className = 'denial-key';
      key.textContent = ' ● risk denials (right axis)';
      caption.appendChild(key);
    }
    this.el.appendChild(caption);
    host.appendChild(this.el);
    this.plot = new uPlot(options(spec, width), [[], []].concat(spec.denials ? [[]] : []), this.el);
  }

  update(t, symbol) {
    const values = symbol[this.spec.key];
    const data = [t.map((ms) => ms / 1000), values.map(num)];
    if (this.spec.denials) data.push(symbol.denials.map(num));
    this.plot.setData(data);
    this.el.dataset.points = String(points(values));
    if (this.spec.denials) this.el.dataset.denials = String(symbol.denials.reduce((s, n) => s + (n ?? 0), 0));
    const last = [...values].reverse().find((v) => v !== null);
    this.latest.textContent = last === undefined ? '' : ` ${last}`;
  }

  resize(width) {
    this.plot.setSize({ width, height: HEIGHT });
  }
}

/** The charts of every symbol, one row each, created as symbols appear. */
export class SymbolCharts {
  constructor(host) {
    this.host = host;
    this.rows = new Map();
  }

  width() {
    return Math.max(220, Math.floor((this.host.clientWidth - 3 * 12) / CHARTS.length) - 4);
  }

  /** Draws `t` (bucket starts, ms) and each symbol's series. */
  render(t, symbols) {
    for (const s of symbols) {
      let row = this.rows.get(s.symbol);
      if (row === undefined) {
        const el = document.createElement('section');
        el.className = 'symbol-row';
        el.dataset.symbol = s.symbol;
        const title = document.createElement('h3');
        title.textContent = s.symbol;
        const grid = document.createElement('div');
        grid.className = 'chart-grid';
        el.append(title, grid);
        this.host.appendChild(el);
        row = CHARTS.map((spec) => new Chart(grid, spec, this.width()));
        this.rows.set(s.symbol, row);
      }
      for (const chart of row) chart.update(t, s);
    }
  }

  resize() {
    for (const row of this.rows.values()) for (const chart of row) chart.resize(this.width());
  }
}
