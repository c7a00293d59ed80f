import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { engineCommand, runCli } from '../support/engine-process.js';
import { repoRoot, tempDir } from '../support/tmp.js';
import { waitFor } from '../support/wait.js';

/**
 * A supervisor restarts the engine the moment it dies. The engine killed with SIGKILL may not have been
 * reaped yet (a zombie whose pid still answers `kill(pid, 0)`): the restart must not wait for that.
 */

const tmp = tempDir('restart-after-kill');
afterAll(() => tmp.cleanup());

/** The state letter of a process in /proc (`Z` for a zombie), or null when it is gone. */
function procState(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).charAt(0);
  } catch {
    return null;
  }
}

/**
 * Starts the engine under a parent that never reaps it (`sh` that execs `sleep`): once killed it stays a
 * zombie until the parent goes. Resolves with the engine's pid once it is trading, and the parent.
 */
async function engineUnderLazyParent(db: string) {
  const engine = engineCommand(['start', '--seed', '3', '--db', db]);
  const parent = spawn(
    '/bin/sh',
    ['-c', '"$@" & echo $!; exec sleep 120', 'sh', engine.command, ...engine.args],
    {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  parent.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  parent.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  await waitFor('the engine to trade', () => stderr.includes('"msg":"trading-ready"'), 30_000);
  return { pid: Number(stdout.split('\n')[0]), parent, stderr: () => stderr };
}

describe('restart right after SIGKILL', () => {
  it('a second engine is refused while the first lives, and starts at once after SIGKILL, before the dead one is reaped', async () => {
    const db = path.join(tmp.dir, 'e.db');
    const first = await engineUnderLazyParent(db);
    try {
      expect(procState(first.pid)).not.toBeNull();

      const refused = runCli(['start', '--duration', '1', '--db', db]);
      const { code } = await refused.exited;
      expect(code).toBe(1);
      expect(refused.output().stderr).toMatch(/another engine \(.*:\d+\)/);

      process.kill(first.pid, 'SIGKILL');
      await waitFor('the killed engine to be a zombie', () => procState(first.pid) === 'Z');

      const second = runCli(['start', '--duration', '2', '--seed', '3', '--db', db]);
      await second.ready;
      // The premise holds throughout: the first engine's pid still exists (unreaped) while the second trades.
      expect(procState(first.pid)).toBe('Z');
      const exit = await second.exited;
      expect(exit.code, second.output().stderr.slice(-2000)).toBe(0);
    } finally {
      first.parent.kill('SIGKILL');
    }
  }, 90_000);
});
