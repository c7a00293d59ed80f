import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENGINE_LOG_CODES, LOG_CODES, SIM_LOG_CODES } from '../../src/domain/logger.js';
import { NOTICE_CODES } from '../../src/domain/notices.js';

const repo = path.resolve(import.meta.dirname, '../..');

/** The rows of every table in `file` whose header starts with `| code | level |`: code → level. */
function codeTables(file: string): Map<string, string> {
  const rows = new Map<string, string>();
  let inTable = false;
  for (const line of fs.readFileSync(path.join(repo, file), 'utf8').split('\n')) {
    if (/^\|\s*code\s*\|\s*level\s*\|/.test(line)) {
      inTable = true;
      continue;
    }
    if (!line.startsWith('|')) {
      inTable = false;
      continue;
    }
    if (!inTable || /^\|\s*-+\s*\|/.test(line)) continue;
    const cells = line.split('|').map((c) => c.trim());
    const code = /^`([A-Z0-9_]+)`$/.exec(cells[1] ?? '')?.[1];
    if (code === undefined) throw new Error(`${file}: a code table row without a code: ${line.slice(0, 80)}`);
    if (rows.has(code)) throw new Error(`${file}: ${code} has two rows`);
    rows.set(code, cells[2] ?? '');
  }
  return rows;
}

describe('log codes', () => {
  const engineDoc = codeTables('docs/operator-warnings.md');
  const simDoc = codeTables('docs/venue-sim.md');

  it('are unique', () => {
    expect(new Set(LOG_CODES).size).toBe(LOG_CODES.length);
  });

  it('docs/operator-warnings.md has one row per engine code, and no other', () => {
    expect([...engineDoc.keys()].sort()).toEqual([...NOTICE_CODES, ...ENGINE_LOG_CODES].sort());
  });

  it('docs/venue-sim.md has one row per simulator code, and no other', () => {
    expect([...simDoc.keys()].sort()).toEqual([...SIM_LOG_CODES].sort());
    for (const code of SIM_LOG_CODES) expect(code).toMatch(/^SIM_/);
  });

  it('every documented level is warn or error', () => {
    for (const [code, level] of [...engineDoc, ...simDoc])
      expect([code, level]).toEqual([code, expect.stringMatching(/^(warn|error)$/)]);
  });
});
