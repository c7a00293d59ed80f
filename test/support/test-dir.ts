import { afterEach, beforeEach } from 'vitest';
import { tempDir } from './tmp.js';

/** A temporary directory for each test of the file, and what to close before it is removed. */
export interface TestDir {
  /** The current test's directory. */
  readonly dir: string;
  /** Run after the test, newest first, before the directory is removed. */
  readonly cleanups: (() => Promise<void> | void)[];
}

/** Registers hooks that give each test a fresh directory (see TestDir) and clean it up after. */
export function tempDirPerTest(prefix: string): TestDir {
  let current: { dir: string; cleanup: () => void } | undefined;
  const cleanups: (() => Promise<void> | void)[] = [];
  beforeEach(() => {
    current = tempDir(prefix);
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
    current?.cleanup();
    current = undefined;
  });
  return {
    get dir() {
      if (current === undefined) throw new Error(`tempDirPerTest(${prefix}): no test is running`);
      return current.dir;
    },
    cleanups,
  };
}
