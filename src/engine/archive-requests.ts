import { describeError } from '../domain/errors.js';
import { ARCHIVE_ANSWER_KEY, ARCHIVE_REQUEST_KEY } from '../persistence/archive/archive-meta.js';
import type { ArchiveStore } from '../persistence/archive/archive-store.js';
import type { ArchiveReport, Retention } from './retention.js';

/** A request to archive now, written by `archive --now` while an engine runs on the database. */
export interface ArchiveRequest {
  id: string;
  /** The retention to apply (the command's config), or null for the engine's own. */
  keepEndedForMs: number | null;
}

/** The engine's answer to the request of the same id. */
export type ArchiveAnswer = { id: string; report: ArchiveReport } | { id: string; error: string };

/** JSON text parsed as an object with a string `id`, or null. */
export function parseWithId<T extends { id: string }>(text: string | undefined): T | null {
  if (text === undefined) return null;
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null && typeof (value as { id?: unknown }).id === 'string'
      ? (value as T)
      : null;
  } catch {
    return null;
  }
}

/** Engine side: runs the pending request, if any, and writes its answer. */
export async function answerArchiveRequest(archive: ArchiveStore, retention: Retention): Promise<void> {
  const request = parseWithId<ArchiveRequest>(archive.getMeta(ARCHIVE_REQUEST_KEY));
  if (request === null) return;
  if (parseWithId<ArchiveAnswer>(archive.getMeta(ARCHIVE_ANSWER_KEY))?.id === request.id) return;
  let answer: ArchiveAnswer;
  try {
    const keep = typeof request.keepEndedForMs === 'number' ? request.keepEndedForMs : undefined;
    answer = { id: request.id, report: await retention.pass(keep) };
  } catch (err) {
    answer = { id: request.id, error: describeError(err) };
  }
  archive.setMeta(ARCHIVE_ANSWER_KEY, JSON.stringify(answer));
}
