import { spawnSync } from 'node:child_process';
import path from 'node:path';

/**
 * Builds fault-shim.c (a file wrapper for LD_PRELOAD: writes and syncs of one file fail with EIO or EROFS
 * once a trigger file exists) into `dir`, with the machine's C compiler; `{ missing }` with the reason
 * when there is none (then the tests that need it skip with one line).
 */
export function buildFaultShim(dir: string): { so: string } | { missing: string } {
  const so = path.join(dir, 'fault-shim.so');
  const source = path.join(import.meta.dirname, 'fault-shim.c');
  const built = spawnSync('cc', ['-shared', '-fPIC', '-O2', '-o', so, source, '-ldl'], { encoding: 'utf8' });
  if (built.error !== undefined) return { missing: `no C compiler (cc): ${built.error.message}` };
  if (built.status !== 0) return { missing: `cc failed: ${built.stderr}` };
  return { so };
}

/** The launcher that runs a command with the shim failing `file`'s writes with `errno` once `trigger` exists. */
export function withFaultShim(so: string, file: string, trigger: string, errno: 'EIO' | 'EROFS'): string[] {
  return [
    'env',
    `LD_PRELOAD=${so}`,
    `STEADFAST_FAULT_PATH=${file}`,
    `STEADFAST_FAULT_TRIGGER=${trigger}`,
    `STEADFAST_FAULT_ERRNO=${errno}`,
  ];
}
