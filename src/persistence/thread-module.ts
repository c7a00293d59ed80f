import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type * as Esbuild from 'esbuild';

const compiled = new Map<string, URL>();

/**
 * The URL of a module of this folder to start as a worker thread. The bundle (dist/) ships each such
 * module as its own `.mjs` beside the main one. From source (tsx, vitest, the benchmarks), Node 20's
 * workers do not inherit the main thread's TypeScript loader: the `.ts` module is compiled once per process
 * with esbuild, as the bundle is, into node_modules/.cache/steadfast/ (where its imports resolve).
 */
export function threadModule(name: string): URL {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new URL(`./${name}.mjs`, here);
  let url = compiled.get(name);
  if (url === undefined) {
    url = compileFromSource(fileURLToPath(new URL(`./${name}.ts`, here)));
    compiled.set(name, url);
  }
  return url;
}

function compileFromSource(source: string): URL {
  const require = createRequire(import.meta.url);
  const esbuild = require('esbuild') as typeof Esbuild;
  const result = esbuild.buildSync({
    entryPoints: [source],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    write: false,
    logLevel: 'warning',
  });
  const code = result.outputFiles[0]!.text;
  const nodeModules = path.dirname(path.dirname(require.resolve('esbuild/package.json')));
  const dir = path.join(nodeModules, '.cache', 'steadfast');
  const digest = crypto.createHash('sha256').update(code).digest('hex').slice(0, 16);
  const file = path.join(dir, `${path.basename(source, '.ts')}-${digest}.mjs`);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dir, { recursive: true });
    const temp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temp, code);
    fs.renameSync(temp, file); // atomic: concurrent processes write the same content
  }
  return pathToFileURL(file);
}
