import { DBOS } from '@dbos-inc/dbos-sdk';
import pg from 'pg';
import { Dec } from '../src/domain/decimal.js';
import type { VenuePort } from '../src/domain/venue-port.js';
import type { BenchOrder, OrderWorkflow } from './compare-workflow.js';

/**
 * The same order workflow in DBOS Transact: a workflow of three steps, each checkpointed by DBOS in its
 * system database (the `schema` of `server`): a step that records the order's intent in an application
 * table, the paper venue call, and a step that records the acknowledgement and the position change in one
 * application transaction. The application tables live in the same schema on the same server, reached
 * through a pool of their own; both pools are large enough for 32 workflows at once. DBOS is a process-wide singleton: call this once per process.
 */
export async function dbosWorkflow(server: string, schema: string, venue: VenuePort): Promise<OrderWorkflow> {
  const pool = new pg.Pool({ connectionString: server, max: 40 });
  await pool.query(`create schema if not exists ${schema}`);
  await pool.query(
    `create table if not exists ${schema}.bench_intents (client_order_id text primary key, symbol text not null, side text not null, quantity numeric not null)`,
  );
  await pool.query(
    `create table if not exists ${schema}.bench_acks (client_order_id text primary key, venue_order_id text not null, status text not null, filled numeric not null)`,
  );
  await pool.query(
    `create table if not exists ${schema}.bench_positions (symbol text primary key, quantity numeric not null)`,
  );

  const recordIntent = async (o: BenchOrder) => {
    await pool.query(
      `insert into ${schema}.bench_intents (client_order_id, symbol, side, quantity) values ($1, $2, $3, $4)`,
      [o.clientOrderId, o.symbol, o.side, o.quantity],
    );
  };
  const recordAck = async (o: BenchOrder, venueOrderId: string, status: string, filled: string) => {
    const client = await pool.connect();
    try {
      await client.query('begin');
      await client.query(
        `insert into ${schema}.bench_acks (client_order_id, venue_order_id, status, filled) values ($1, $2, $3, $4)`,
        [o.clientOrderId, venueOrderId, status, filled],
      );
      const delta = o.side === 'buy' ? filled : new Dec(filled).neg().toString();
      await client.query(
        `insert into ${schema}.bench_positions (symbol, quantity) values ($1, $2)
         on conflict (symbol) do update set quantity = ${schema}.bench_positions.quantity + excluded.quantity`,
        [o.symbol, delta],
      );
      await client.query('commit');
    } catch (err) {
      await client.query('rollback');
      throw err;
    } finally {
      client.release();
    }
  };
  const orderWorkflow = DBOS.registerWorkflow(
    async (o: BenchOrder) => {
      await DBOS.runStep(() => recordIntent(o), { name: 'recordIntent' });
      const ack = await DBOS.runStep(
        () =>
          venue.placeOrder({
            clientOrderId: o.clientOrderId,
            symbol: o.symbol,
            side: o.side,
            type: 'market',
            quantity: o.quantity,
          }),
        { name: 'placeOrder' },
      );
      await DBOS.runStep(() => recordAck(o, ack.venueOrderId, ack.status, ack.filledQuantity), {
        name: 'recordAck',
      });
    },
    { name: 'orderWorkflow' },
  );
  DBOS.setConfig({
    name: 'steadfast-bench',
    applicationVersion: '1',
    systemDatabaseUrl: server,
    systemDatabaseSchemaName: schema,
    // Room for 32 workflows at once (the default pool holds 10 connections).
    systemDatabasePoolSize: 40,
    logLevel: 'error',
  });
  await DBOS.launch();
  return {
    name: 'DBOS Transact',
    async run(order) {
      await orderWorkflow(order);
    },
    async close() {
      await DBOS.shutdown();
      await pool.end();
    },
  };
}
