import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { repoRoot } from './tmp.js';

/** A running `steadfast` child process (the real CLI, through tsx). */
export interface EngineProcess {
  child: ChildProcess;
  /** Everything written so far. */
  output(): { stdout: string; stderr: string };
  /** Resolves when the engine logged trading-ready (rejects if it exits first). */
  ready: Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs `node --import tsx src/main.ts <args>` in the repository. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): EngineProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
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
    child.on('exit', (code, signal) => {
      onFail(new Error(`engine exited (${code ?? signal}) before ready:\n${stderr.slice(-2000)}`));
      resolve({ code, signal });
    });
  });
  return { child, output: () => ({ stdout, stderr }), ready, exited };
}

/** Runs a CLI command to completion. */
export async function runCliToEnd(args: string[], env: NodeJS.ProcessEnv = {}) {
  const p = runCli(args, env);
  const { code } = await p.exited;
  return { code, ...p.output() };
}
