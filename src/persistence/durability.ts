/**
 * When a commit reaches the disk:
 * - `normal`: WAL + synchronous=NORMAL: survives a process kill; a power loss can drop the last commits.
 * - `full`: synchronous=FULL: every commit is fsynced.
 * - `intent` (default): FULL for commits that start an exchange call (their intent must be on disk before
 *   the call leaves), NORMAL for the rest. A power loss can then only drop commits that started no call.
 */
export type Durability = 'normal' | 'full' | 'intent';
