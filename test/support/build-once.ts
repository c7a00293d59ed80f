import { spawn } from 'node:child_process';
import path from 'node:path';
import type { TestProject } from 'vitest/node';

/**
 * Global setup of the vitest projects whose tests start the engine as a child process (integration, e2e):
 * `npm run build` once per run, before any test, so that every child runs the bundle `npm start` runs
 * (`node dist/steadfast.mjs`) instead of compiling the sources through tsx each time. The unit project
 * does not register it and never builds.
 *
 * The build is not skipped when dist/ looks newer than src/: the bundle also depends on package.json (the
 * esbuild flags) and on the bundled packages in node_modules, and it takes well under a second. When several
 * projects of one run register this file, they share one build. In watch mode it is rebuilt before each
 * rerun, so that reruns see edited sources.
 */

/** The engine bundle `npm run build` writes (other files of the build may sit beside it in dist/). */
export const ENGINE_BUNDLE = path.resolve(import.meta.dirname, '../../dist/steadfast.mjs');

declare module 'vitest' {
  export interface ProvidedContext {
    /** The engine bundle built for this run (see test/support/build-once.ts). */
    engineBundle: string;
  }
}

/** The one build of this vitest process, shared by every project (each imports this file on its own). */
interface SharedBuild {
  done: Promise<void>;
  rebuildsOnRerun: boolean;
}
const KEY = Symbol.for('steadfast.test.engine-build');
const shared = globalThis as typeof globalThis & { [KEY]?: SharedBuild };

/** Runs `npm run build`; rejects with its output when it fails. */
function build(): Promise<void> {
  const child = spawn('npm', ['run', '--silent', 'build'], {
    cwd: path.resolve(import.meta.dirname, '../..'),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`npm run build failed (${code ?? signal}) before the tests:\n${output}`));
    });
  });
}

export default async function setup(project: TestProject): Promise<void> {
  const state = (shared[KEY] ??= { done: build(), rebuildsOnRerun: false });
  if (!state.rebuildsOnRerun) {
    state.rebuildsOnRerun = true;
    project.onTestsRerun(async () => {
      state.done = build();
      await state.done;
    });
  }
  await state.done;
  project.provide('engineBundle', ENGINE_BUNDLE);
}
