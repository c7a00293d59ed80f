/**
 * A strict parser of the Prometheus text exposition format (version 0.0.4), for tests: every line must be a
 * `# HELP`, a `# TYPE` or a sample of a family whose TYPE came first; label values are quoted with the
 * format's escapes; values are numbers (or NaN, +Inf, -Inf). Throws naming the line otherwise.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  help: string;
  samples: Sample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const HELP = new RegExp(`^# HELP (${NAME}) (.*)$`);
const TYPE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)$`);
const LABEL = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/;
const SUFFIXES: Record<Family['type'], readonly string[]> = {
  counter: [''],
  gauge: [''],
  untyped: [''],
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['', '_sum', '_count'],
};

/** Parses a whole exposition into its families, by name. */
export function parsePrometheusText(text: string): Map<string, Family> {
  if (!text.endsWith('\n')) throw new Error('the exposition does not end with a newline');
  const families = new Map<string, Family>();
  const helps = new Map<string, string>();
  const lines = text.slice(0, -1).split('\n');
  lines.forEach((line, i) => {
    const fail = (why: string): never => {
      throw new Error(`line ${i + 1}: ${why}: ${JSON.stringify(line)}`);
    };
    let m: RegExpExecArray | null;
    if ((m = HELP.exec(line))) {
      if (helps.has(m[1]!)) fail('second HELP');
      helps.set(m[1]!, m[2]!);
    } else if ((m = TYPE.exec(line))) {
      if (families.has(m[1]!)) fail('second TYPE');
      families.set(m[1]!, {
        name: m[1]!,
        type: m[2] as Family['type'],
        help: helps.get(m[1]!) ?? fail('TYPE before its HELP'),
        samples: [],
      });
    } else if ((m = SAMPLE.exec(line))) {
      const name = m[1]!;
      const family = [...families.values()].find((f) =>
        SUFFIXES[f.type].some((suffix) => `${f.name}${suffix}` === name),
      );
      if (family === undefined) fail('a sample of no declared family');
      const value = parseValue(m[3]!) ?? fail('not a number');
      family!.samples.push({ name, labels: parseLabels(m[2] ?? '', fail), value });
    } else if (line !== '') {
      fail('neither HELP, TYPE nor a sample');
    }
  });
  return families;
}

function parseValue(text: string): number | null {
  // Prometheus reads values as Go's ParseFloat does: NaN and Inf in any case (prom-client prints `Nan`).
  if (/^nan$/i.test(text)) return NaN;
  if (/^\+?inf$/i.test(text)) return Infinity;
  if (/^-inf$/i.test(text)) return -Infinity;
  return /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(text) ? Number(text) : null;
}

function parseLabels(text: string, fail: (why: string) => never): Record<string, string> {
  const labels: Record<string, string> = {};
  let rest = text;
  while (rest !== '') {
    const m = LABEL.exec(rest) ?? fail('malformed labels');
    if (m[1]! in labels) fail(`label ${m[1]} twice`);
    labels[m[1]!] = m[2]!.replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
    rest = rest.slice(m[0].length);
    if (m[3] === '' && rest !== '') fail('malformed labels');
  }
  return labels;
}

/** The value of the one sample named `name` whose labels include `labels`. */
export function sampleValue(
  families: Map<string, Family>,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const samples = [...families.values()]
    .flatMap((f) => f.samples)
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (samples.length > 1) throw new Error(`${samples.length} samples of ${name} ${JSON.stringify(labels)}`);
  return samples[0]?.value;
}
