import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SteadfastError } from '../../src/domain/errors.js';
import { asStorageFault, refineFault, storageFaultOf } from '../../src/persistence/storage-fault.js';

describe('storage faults from driver codes', () => {
  it.each([
    ['SQLITE_FULL', 'STORAGE_FULL'],
    ['53100', 'STORAGE_FULL'],
    ['SQLITE_IOERR', 'STORAGE_IO_ERROR'],
    ['SQLITE_IOERR_WRITE', 'STORAGE_IO_ERROR'],
    ['SQLITE_IOERR_FSYNC', 'STORAGE_IO_ERROR'],
    ['58030', 'STORAGE_IO_ERROR'],
    ['SQLITE_READONLY', 'STORAGE_READ_ONLY'],
    ['SQLITE_READONLY_DBMOVED', 'STORAGE_READ_ONLY'],
    ['25006', 'STORAGE_READ_ONLY'],
    ['SQLITE_BUSY', 'STORAGE_BUSY'],
    ['SQLITE_BUSY_SNAPSHOT', 'STORAGE_BUSY'],
    ['SQLITE_LOCKED', 'STORAGE_BUSY'],
    ['55P03', 'STORAGE_BUSY'],
    ['SQLITE_CORRUPT', 'STORAGE_CORRUPT'],
    ['SQLITE_NOTADB', 'STORAGE_CORRUPT'],
    ['XX001', 'STORAGE_CORRUPT'],
  ])('%s is %s', (code, fault) => {
    expect(storageFaultOf(code)).toBe(fault);
    const err = asStorageFault(Object.assign(new Error('driver says no'), { code }));
    expect(err).toBeInstanceOf(SteadfastError);
    expect((err as SteadfastError).code).toBe(fault);
    expect((err as SteadfastError).message).toBe('driver says no');
  });

  it.each([['SQLITE_CONSTRAINT'], ['23505'], ['ECONNREFUSED'], [undefined], [42]])(
    '%s is not a storage fault and passes through unchanged',
    (code) => {
      expect(storageFaultOf(code)).toBeNull();
      const err = Object.assign(new Error('other'), { code });
      expect(asStorageFault(err)).toBe(err);
    },
  );
});

describe('refineFault: an I/O error on a filesystem that is now read-only', () => {
  it('stays an I/O error where the directory may be written, and leaves other faults alone', () => {
    const file = path.join(os.tmpdir(), 'engine.db');
    expect(refineFault('STORAGE_IO_ERROR', file)).toBe('STORAGE_IO_ERROR');
    expect(refineFault('STORAGE_FULL', file)).toBe('STORAGE_FULL');
  });
  // The read-only case itself: test/cli/storage-faults-running.test.ts (EROFS through a file wrapper).
});
