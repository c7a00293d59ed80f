import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { inject } from 'vitest';
import { repoRoot } from './tmp.js';
import { waitFor } from './wait.js';

/**
 * The command that runs the engine's CLI with `args`, as `npm start` does: `node dist/steadfast.mjs <args>`,
 * the bundle built once per run by test/support/build-once.ts. Throws (failing the test) when this run built
 * no bundle or the file is gone.
 */
export function engineCommand(args: readonly string[]): { command: string; args: string[] } {
  const bundle = inject('engineBundle');
  if (bundle === undefined)
    throw new Error(
      'no engine bundle was built for this run: tests that start the engine must be in a vitest project ' +
        'whose globalSetup is test/support/build-once.ts (integration or e2e, see vitest.config.ts)',
    );
  if (!fs.existsSync(bundle))
    throw new Error(
      `the engine bundle ${bundle} is missing (built by test/support/build-once.ts at the start of the run)`,
    );
  return { command: process.execPath, args: [bundle, ...args] };
}

/** A running `steadfast` child process (the real CLI, from the bundle). */
export interface EngineProcess {
  child: ChildProcess;
  /** Everything written so far. */
  output(): { stdout: string; stderr: string };
  /** Resolves when the engine logged trading-ready (rejects if it exits first). */
  ready: Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /**
   * Polls `check` until it holds; rejects naming `what` after `ms`, or as soon as the engine has exited
   * (with the end of its log).
   */
  until(what: string, check: () => boolean | Promise<boolean>, ms?: number): Promise<void>;
}

/**
 * Runs the engine's CLI (see engineCommand) in the repository; through `launcher` (a command and its
 * arguments, e.g. a shell that sets a resource limit, then runs the rest) when given.
 */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}, launcher: string[] = []): EngineProcess {
  const engine = engineCommand(args);
  const [command, ...argv] = [...launcher, engine.command, ...engine.args] as [string, ...string[]];
  const child = spawn(command, argv, {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let onReady: () => void = () => {};
  let onFail: (err: Error) => void = () => {};
  const ready = new Promise<void>((resolve, reject) => {
    onReady = resolve;
    onFail = reject;
  });
  ready.catch(() => {});
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (stderr.includes('"msg":"trading-ready"')) onReady();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    // 'close', not 'exit': it comes after the child's stdout and stderr have been read to their end.
    child.on('close', (code, signal) => {
      onFail(new Error(`engine exited (${code ?? signal}) before ready:\n${stderr.slice(-2000)}`));
      resolve({ code, signal });
    });
  });
  const gone = () => child.exitCode !== null || child.signalCode !== null;
  const until: EngineProcess['until'] = (what, check, ms) =>
    waitFor(
      what,
      async () => {
        if (await check()) return true;
        if (gone())
          throw new Error(
            `engine exited (${child.exitCode ?? child.signalCode}) while waiting for ${what}:\n${stderr.slice(-2000)}`,
          );
        return false;
      },
      ms,
    );
  return { child, output: () => ({ stdout, stderr }), ready, exited, until };
}

/** Runs a CLI command to completion. */
export async function runCliToEnd(args: string[], env: NodeJS.ProcessEnv = {}) {
  const p = runCli(args, env);
  const { code } = await p.exited;
  return { code, ...p.output() };
}

/** Waits until the engine logged `metrics ready`; resolves with the /metrics URL it logged. */
export async function metricsUrl(engine: EngineProcess): Promise<string> {
  let url = '';
  await engine.until('metrics ready', () => {
    const line = engine
      .output()
      .stderr.split('\n')
      .find((l) => l.includes('"msg":"metrics ready"'));
    if (line !== undefined) url = (JSON.parse(line) as { url: string }).url;
    return line !== undefined;
  });
  return url;
}
