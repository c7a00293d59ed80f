import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * `npx tsx bench/retention-size.ts [--minutes M] [--sample-seconds S] [--json]`: the engine database's size
 * over a long run of fast quoting on the paper venue (2 symbols, a quote every 50 ms, a price step every
 * 20 ms), with retention (ended orders kept 60 s, a pass every 10 s) and without it, both runs at once
 * on the same machine. Samples the live file (database + WAL) and the archive directory. Needs the bundle
 * (`npm run build`). With --json the last line is one JSON object.
 */
const args = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const at = args.indexOf(name);
  return at < 0 ? fallback : Number(args[at + 1]);
};
const minutes = flag('--minutes', 30);
const sampleSeconds = flag('--sample-seconds', 60);
const json = args.includes('--json');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'steadfast-retention-'));
const bundle = path.resolve('dist/steadfast.mjs');

interface Sample {
  minute: number;
  liveBytes: number;
  archiveBytes: number;
}

const sizeOf = (file: string) => (fs.existsSync(file) ? fs.statSync(file).size : 0);
const dirSize = (dir: string) =>
  fs.existsSync(dir) ? fs.readdirSync(dir).reduce((n, f) => n + sizeOf(path.join(dir, f)), 0) : 0;

function run(name: string, retention: object): Promise<Sample[]> {
  const db = path.join(work, `${name}.db`);
  const config = path.join(work, `${name}.json`);
  fs.writeFileSync(
    config,
    JSON.stringify({
      db,
      symbols: ['BTC/USDT', 'ETH/USDT'],
      strategy: { intervalMs: 50, requoteBps: '0.5' },
      paper: { tickMs: 20 },
      reconcile: { gapFillIntervalMs: 1000 },
      retention,
      statusIntervalMs: 0,
      logLevel: 'warn',
    }),
  );
  const child = spawn(
    process.execPath,
    [bundle, 'start', '--config', config, '--duration', `${minutes * 60}`],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const samples: Sample[] = [];
  const started = Date.now();
  const sample = () =>
    samples.push({
      minute: Math.round((Date.now() - started) / 600) / 100,
      liveBytes: sizeOf(db) + sizeOf(`${db}-wal`),
      archiveBytes: dirSize(`${db}.archive`),
    });
  const timer = setInterval(sample, sampleSeconds * 1000);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(timer);
      sample();
      if (code === 0) resolve(samples);
      else reject(new Error(`${name}: the engine exited with ${code}`));
    });
  });
}

const [withRetention, without] = await Promise.all([
  run('with-retention', { keepEndedForMs: 60_000, intervalMs: 10_000 }),
  run('without-retention', { enabled: false }),
]);
const mb = (n: number) => (n / 1048576).toFixed(1);
for (const [name, samples] of [
  ['with retention', withRetention],
  ['without retention', without],
] as const) {
  process.stdout.write(`${name}:\n`);
  for (const s of samples)
    process.stdout.write(
      `  ${s.minute.toFixed(1)} min: live ${mb(s.liveBytes)} MB, archive ${mb(s.archiveBytes)} MB\n`,
    );
}
if (json) process.stdout.write(`${JSON.stringify({ minutes, withRetention, without })}\n`);
fs.rmSync(work, { recursive: true, force: true });
