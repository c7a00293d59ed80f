import fs from 'node:fs';
import path from 'node:path';
import { inspect } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveCredentials } from '../../../src/adapters/ccxt/credentials.js';
import { ConfigError } from '../../../src/domain/errors.js';
import { tempDir } from '../../support/tmp.js';

const tmp = tempDir('ccxt-keys');
afterAll(() => tmp.cleanup());

const keyFile = (name: string, content: string) => {
  const file = path.join(tmp.dir, name);
  fs.writeFileSync(file, content, { mode: 0o600 });
  return file;
};

/** The ConfigError a call throws. */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('API credentials (environment or key file; never printed)', () => {
  it('reads STEADFAST_API_KEY and STEADFAST_API_SECRET', () => {
    const c = resolveCredentials({
      env: { STEADFAST_API_KEY: 'key-abcd', STEADFAST_API_SECRET: 'secret-efgh' },
    });
    expect([c.apiKey, c.secret, c.source]).toEqual(['key-abcd', 'secret-efgh', 'environment']);
  });

  it('names the missing variable, and only it', () => {
    expect(configError(() => resolveCredentials({ env: {} })).field).toBe('STEADFAST_API_KEY');
    const noSecret = configError(() => resolveCredentials({ env: { STEADFAST_API_KEY: 'key-abcd' } }));
    expect(noSecret.field).toBe('STEADFAST_API_SECRET');
    expect(noSecret.message).not.toContain('key-abcd');
  });

  it('prefers the key file named in the config', () => {
    const file = keyFile('keys.json', JSON.stringify({ apiKey: 'file-key-1', secret: 'file-secret-2' }));
    const c = resolveCredentials({
      keyFile: file,
      env: { STEADFAST_API_KEY: 'x', STEADFAST_API_SECRET: 'y' },
    });
    expect([c.apiKey, c.secret, c.source]).toEqual(['file-key-1', 'file-secret-2', file]);
  });

  it('refuses a missing, malformed or incomplete key file without quoting it', () => {
    const missing = configError(() => resolveCredentials({ keyFile: path.join(tmp.dir, 'none.json') }));
    expect(missing.message).toMatch(/^venue\.keyFile: cannot read .*none\.json: ENOENT$/);
    const broken = keyFile('broken.json', '{"apiKey": "leaky-key-9", secret');
    const bad = configError(() => resolveCredentials({ keyFile: broken }));
    expect(bad.message).toMatch(/is not valid JSON/);
    expect(bad.message).not.toContain('leaky-key-9');
    const partial = keyFile('partial.json', JSON.stringify({ apiKey: 'only-key-3' }));
    expect(configError(() => resolveCredentials({ keyFile: partial })).message).toMatch(/field "secret"/);
  });

  it('never serializes, inspects or leaks the values', () => {
    const c = resolveCredentials({
      env: { STEADFAST_API_KEY: 'key-abcd', STEADFAST_API_SECRET: 'secret-efgh' },
    });
    for (const text of [
      JSON.stringify({ c }),
      inspect(c),
      inspect({ nested: { c } }),
      String(`${JSON.stringify(c)}`),
    ]) {
      expect(text).not.toContain('key-abcd');
      expect(text).not.toContain('secret-efgh');
    }
    expect(c.redact('url?k=key-abcd&s=secret-efgh')).toBe('url?k=[redacted]&s=[redacted]');
  });
});
