import fs from 'node:fs';
import path from 'node:path';
import { SteadfastError } from '../domain/errors.js';
import type { ErrorCode } from '../domain/errors.js';

/** What went wrong with the database itself, as a stable code (see docs/operator-warnings.md). */
export type StorageFault = Extract<
  ErrorCode,
  'STORAGE_FULL' | 'STORAGE_IO_ERROR' | 'STORAGE_READ_ONLY' | 'STORAGE_BUSY' | 'STORAGE_CORRUPT'
>;

/** The storage faults, for matching a code. */
export const STORAGE_FAULTS: readonly StorageFault[] = [
  'STORAGE_FULL',
  'STORAGE_IO_ERROR',
  'STORAGE_READ_ONLY',
  'STORAGE_BUSY',
  'STORAGE_CORRUPT',
];

/** What each storage fault means, for the line that reports it. */
export const STORAGE_FAULT_TEXT: Record<StorageFault, string> = {
  STORAGE_FULL: "the database's disk is full",
  STORAGE_IO_ERROR: 'the database had an I/O error',
  STORAGE_READ_ONLY: 'the database became read-only',
  STORAGE_BUSY: 'the database stayed locked by another process past the busy timeout',
  STORAGE_CORRUPT: 'the database file is damaged',
};

/** True when `code` is a storage fault. */
export function isStorageFault(code: unknown): code is StorageFault {
  return STORAGE_FAULTS.includes(code as StorageFault);
}

/**
 * The storage fault a driver's error code names: SQLite's result codes (`SQLITE_FULL`, every extended
 * `SQLITE_IOERR_*`, ...) and PostgreSQL's SQLSTATEs (53100 disk full, 58030 I/O error, 25006 read-only
 * transaction, XX001/XX002 corrupted data or index, 55P03 lock not available). Null: not a storage fault.
 */
export function storageFaultOf(driverCode: unknown): StorageFault | null {
  if (typeof driverCode !== 'string') return null;
  if (driverCode === 'SQLITE_FULL' || driverCode === '53100') return 'STORAGE_FULL';
  if (driverCode.startsWith('SQLITE_IOERR') || driverCode === '58030') return 'STORAGE_IO_ERROR';
  if (driverCode.startsWith('SQLITE_READONLY') || driverCode === '25006') return 'STORAGE_READ_ONLY';
  if (
    driverCode.startsWith('SQLITE_BUSY') ||
    driverCode.startsWith('SQLITE_LOCKED') ||
    driverCode === '55P03'
  ) {
    return 'STORAGE_BUSY';
  }
  if (
    driverCode.startsWith('SQLITE_CORRUPT') ||
    driverCode === 'SQLITE_NOTADB' ||
    driverCode === 'XX001' ||
    driverCode === 'XX002'
  ) {
    return 'STORAGE_CORRUPT';
  }
  return null;
}

/**
 * A SQLite fault refined by what the filesystem says now: SQLite reports every failed write as an I/O
 * error, also one that failed because the filesystem under `file` turned read-only (remounted after
 * errors, say), which is STORAGE_READ_ONLY.
 */
export function refineFault(fault: StorageFault, file: string): StorageFault {
  if (fault !== 'STORAGE_IO_ERROR') return fault;
  try {
    fs.accessSync(path.dirname(file), fs.constants.W_OK);
    return fault;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EROFS' ? 'STORAGE_READ_ONLY' : fault;
  }
}

/** `err` as a SteadfastError of its storage fault when its driver code names one; else `err` itself. */
export function asStorageFault(err: unknown): unknown {
  if (err instanceof SteadfastError) return err;
  const fault = storageFaultOf((err as { code?: unknown } | null)?.code);
  if (fault === null) return err;
  return new SteadfastError(fault, String((err as Error).message ?? err), { cause: err });
}

/** The first 16 bytes of every SQLite database file. */
const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

/**
 * Refuses, before anything opens it, a SQLite file that cannot be an intact database: not a SQLite file
 * (overwritten, or another kind of file), or, with no write-ahead log beside it, shorter than the size its
 * own header gives (cut short by a copy). Throws STORAGE_CORRUPT naming the file; reads only. A missing or empty file is
 * fine (a new database).
 */
export function checkDatabaseFile(file: string): void {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  try {
    const size = fs.fstatSync(fd).size;
    if (size === 0) return;
    const header = Buffer.alloc(100);
    const read = fs.readSync(fd, header, 0, 100, 0);
    const damaged = (what: string) =>
      new SteadfastError(
        'STORAGE_CORRUPT',
        `the engine database ${file} is damaged (${what}); it was not opened and nothing was changed: ` +
          'restore it from a backup, or move it away to start a new database',
      );
    if (read < 100 || !header.subarray(0, 16).equals(SQLITE_MAGIC))
      throw damaged('not a SQLite database file');
    const rawPageSize = header.readUInt16BE(16);
    const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
    const pages = header.readUInt32BE(28);
    // The header's page count is valid only while its change counter matches its version-valid-for number,
    // and the file may be shorter while pages of an interrupted checkpoint are still in the WAL.
    const countValid = header.readUInt32BE(24) === header.readUInt32BE(92);
    if (countValid && pages * pageSize > size && !hasWal(file)) {
      throw damaged(`truncated: ${size} of ${pages * pageSize} bytes`);
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** True when `file` has a non-empty write-ahead log beside it. */
function hasWal(file: string): boolean {
  try {
    return fs.statSync(`${file}-wal`).size > 0;
  } catch {
    return false;
  }
}
