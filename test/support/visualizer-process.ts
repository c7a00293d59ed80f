import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { repoRoot } from './tmp.js';

/** A running `npm run visualize` equivalent (the real server, through tsx, as a child process). */
export interface VisualizerProcess {
  child: ChildProcess;
  /** The page URL: the first line the server printed. */
  url: string;
  /** `ws://…/inspect` on the same server. */
  inspectUrl: string;
  output(): { stdout: string; stderr: string };
  /** SIGTERM, then the exit. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs `node --import tsx visualizer/server.ts <args>` and resolves once it printed its first line. */
export function startVisualizer(args: string[]): Promise<VisualizerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'visualizer/server.ts', ...args], {
    cwd: repoRoot,
    env: process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      const first = stdout.split('\n');
      if (first.length < 2) return;
      const url = first[0]!;
      resolve({
        child,
        url,
        inspectUrl: `${url.replace(/^http/, 'ws')}inspect`,
        output: () => ({ stdout, stderr }),
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          return exited;
        },
      });
    });
    void exited.then(({ code }) =>
      reject(new Error(`visualizer exited (${code}) before printing:\n${stderr}`)),
    );
  });
}

/** Runs the visualizer CLI to completion (for bad-flag checks). */
export async function runVisualizerToEnd(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'visualizer/server.ts', ...args], {
    cwd: repoRoot,
    env: process.env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const guard = setTimeout(() => child.kill('SIGKILL'), 20_000); // a server that started by mistake
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  clearTimeout(guard);
  return { code, stderr };
}
