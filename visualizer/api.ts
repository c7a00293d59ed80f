import { shownDb } from '../src/persistence/open-database.js';
import { z } from 'zod';
import { ValidationError } from '../src/domain/errors.js';
import { parseWith } from '../src/domain/schema-errors.js';
import { dashboardAnswer, dashboardParams } from './dashboard-api.js';
import type { DashboardModel } from './dashboard-model.js';
import type { DatabaseSource } from './database-source.js';
import type { InspectRelay } from './inspect-relay.js';
import type { Diagram } from './layout.js';

/** What the JSON endpoints read from. */
export interface ApiContext {
  source: DatabaseSource;
  /** The machines laid out (computed once, at startup). */
  diagrams: Promise<Diagram[]>;
  relay: InspectRelay;
  /** The dashboard's history, read forward from the journal as polls come. */
  dashboard: DashboardModel;
}

/** A JSON answer. */
export interface ApiResponse {
  status: number;
  body: unknown;
}

const limit = (max: number, fallback: number) => z.coerce.number().int().min(1).max(max).default(fallback);
const queries = {
  '/api/machines': z.object({}),
  '/api/live': z.object({ events: limit(200, 30) }),
  '/api/orders': z.object({
    search: z.string().max(100).optional(),
    state: z
      .string()
      .regex(/^[A-Za-z][\w.]*$/, 'must be a state name')
      .max(100)
      .optional(),
    limit: limit(1000, 200),
  }),
  '/api/journal': z
    .strictObject({
      order: z.string().min(1).max(200).optional(),
      actor: z.string().min(1).max(300).optional(),
      limit: limit(10_000, 2000),
    })
    .refine((q) => (q.order === undefined) !== (q.actor === undefined), {
      message: 'give exactly one of order or actor',
      path: ['order'],
    }),
  '/api/inspect': z.object({ limit: limit(200, 50) }),
  '/api/dashboard': dashboardParams,
} as const;

/** True for the paths `handleApi` answers. */
export function isApiPath(path: string): path is keyof typeof queries {
  return Object.hasOwn(queries, path);
}

/** Query parameters each path takes (anything else is refused, naming the parameter). */
const PARAMS: Record<keyof typeof queries, readonly string[]> = {
  '/api/machines': [],
  '/api/live': ['events'],
  '/api/orders': ['search', 'state', 'limit'],
  '/api/journal': ['order', 'actor', 'limit'],
  '/api/inspect': ['limit'],
  '/api/dashboard': ['window', 'points', 'since', 'bucket'],
};

function parseQuery<T>(path: keyof typeof queries, schema: z.ZodType<T>, params: URLSearchParams): T {
  const raw: Record<string, string> = {};
  for (const [key, value] of params) {
    if (!PARAMS[path].includes(key)) throw new ValidationError(key, `unknown parameter for ${path}`);
    if (key in raw) throw new ValidationError(key, 'given more than once');
    raw[key] = value;
  }
  return parseWith(schema, raw);
}

const waiting = (source: DatabaseSource): ApiResponse => ({
  status: 503,
  body: { error: `database not available yet: ${source.waitingFor ?? 'opening'}` },
});

/** Answers one GET of the JSON API. Bad query parameters throw a ValidationError naming the parameter. */
export async function handleApi(
  path: keyof typeof queries,
  params: URLSearchParams,
  ctx: ApiContext,
): Promise<ApiResponse> {
  switch (path) {
    case '/api/machines':
      parseQuery(path, queries[path], params);
      return { status: 200, body: { machines: await ctx.diagrams } };
    case '/api/live': {
      const q = parseQuery(path, queries[path], params);
      const db = await ctx.source.get();
      const database = {
        file: shownDb(ctx.source.file),
        open: db !== null,
        waitingFor: ctx.source.waitingFor,
      };
      if (db === null) {
        return {
          status: 200,
          body: { database, counts: {}, positions: [], events: [], inspect: ctx.relay.stats },
        };
      }
      const [counts, positions, events] = [
        await db.stateCounts(),
        await db.positions(),
        await db.recentEvents(q.events),
      ];
      return { status: 200, body: { database, counts, positions, events, inspect: ctx.relay.stats } };
    }
    case '/api/orders': {
      const q = parseQuery(path, queries[path], params);
      const db = await ctx.source.get();
      if (db === null) return waiting(ctx.source);
      return { status: 200, body: { orders: await db.orders(q) } };
    }
    case '/api/journal': {
      const q = parseQuery(path, queries[path], params);
      const db = await ctx.source.get();
      if (db === null) return waiting(ctx.source);
      const actorId = q.actor ?? `order/${q.order ?? ''}`;
      return {
        status: 200,
        body: {
          actorId,
          entries: await db.journal(actorId, q.limit),
          ignored: await db.ignoredFacts(actorId, q.limit),
        },
      };
    }
    case '/api/inspect': {
      const q = parseQuery(path, queries[path], params);
      return { status: 200, body: { stats: ctx.relay.stats, events: ctx.relay.recentEvents(q.limit) } };
    }
    case '/api/dashboard': {
      const q = parseQuery(path, queries[path], params);
      const db = await ctx.source.get();
      if (db === null) return waiting(ctx.source);
      return { status: 200, body: await dashboardAnswer(q, db.dashboard, ctx.dashboard) };
    }
  }
}
