import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SimulatedClock } from 'xstate';
import type { Ticker, VenuePort } from '../../src/adapters/venue.js';
import { ValidationError } from '../../src/domain/errors.js';
import type { Logger } from '../../src/domain/logger.js';
import type { DesiredOrder, Market } from '../../src/domain/types.js';
import { projectors } from '../../src/engine/projections.js';
import { ReadModel } from '../../src/engine/read-model.js';
import { StrategyRunner } from '../../src/engine/strategy-runner.js';
import { validateDesired } from '../../src/engine/validate-desired.js';
import type { AdjustOrdersInput } from '../../src/machines/adjust-orders.machine.js';
import { adjusterActorId, bookActorId } from '../../src/machines/messages.js';
import type { PositionBookInput } from '../../src/machines/position-book.machine.js';
import { EngineStore } from '../../src/persistence/engine-store.js';
import { openSqlite } from '../../src/persistence/sqlite.js';
import type { EngineDatabase } from '../../src/persistence/engine-database.js';
import { DurableRuntime } from '../../src/runtime/durable-runtime.js';
import type { EffectHandler, OutboxRow } from '../../src/runtime/types.js';
import { quote } from '../../src/strategy/market-maker.js';
import type { MarketMakerParams, MarketView } from '../../src/strategy/market-maker.js';
import { tempDir } from '../support/tmp.js';

const BTC: Market = {
  symbol: 'BTC/USDT',
  base: 'BTC',
  quote: 'USDT',
  tickSize: '0.01',
  stepSize: '0.0001',
  minQuantity: '0.0001',
  minNotional: '5',
};
/** A market whose minimum quantity is above its step. */
const ETH: Market = {
  symbol: 'ETH/USDT',
  base: 'ETH',
  quote: 'USDT',
  tickSize: '0.05',
  stepSize: '0.001',
  minQuantity: '0.01',
  minNotional: '10',
};
const MARKETS: ReadonlyMap<string, Market> = new Map([
  [BTC.symbol, BTC],
  [ETH.symbol, ETH],
]);

const bid0: DesiredOrder = { side: 'buy', price: '49999.99', quantity: '0.001', level: 'bid-0' };
const ask0: DesiredOrder = { side: 'sell', price: '50000.01', quantity: '0.001', level: 'ask-0' };
const bid1: DesiredOrder = { side: 'buy', price: '49990', quantity: '0.0015', level: 'bid-1' };

/** Runs validateDesired and returns the ValidationError it throws (fails the test if it does not throw). */
function rejection(symbol: string, desired: unknown): ValidationError {
  try {
    validateDesired(symbol, desired, MARKETS);
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    const v = err as ValidationError;
    expect(v.code).toBe('INVALID_INPUT');
    expect(v.retryable).toBe(false);
    return v;
  }
  throw new Error(`validateDesired accepted ${JSON.stringify(desired)}`);
}

describe('validateDesired', () => {
  it('passes a valid set through unchanged', () => {
    const desired = [bid0, ask0, bid1];
    const copy = structuredClone(desired);
    expect(validateDesired('BTC/USDT', desired, MARKETS)).toEqual(copy);
    expect(desired).toEqual(copy);
    expect(validateDesired('BTC/USDT', [], MARKETS)).toEqual([]);
  });

  it('accepts exactly the minimum quantity and exactly the minimum notional', () => {
    // ETH: 0.01 is the minimum quantity; 1000 x 0.01 = 10 is exactly the minimum notional.
    const edge: DesiredOrder = { side: 'buy', price: '1000', quantity: '0.01', level: 'b' };
    expect(validateDesired('ETH/USDT', [edge], MARKETS)).toEqual([edge]);
  });

  it('allows the same level name on the two sides', () => {
    const both: DesiredOrder[] = [
      { ...bid0, level: 'l0' },
      { ...ask0, level: 'l0' },
    ];
    expect(validateDesired('BTC/USDT', both, MARKETS)).toEqual(both);
  });

  it.each([
    ['0', 'desired[1].quantity: must be > 0'],
    ['0.0000', 'desired[1].quantity: must be > 0'],
    ['-0.001', 'desired[1].quantity: must be > 0'],
    ['-0', 'desired[1].quantity: must be > 0'],
    ['NaN', 'desired[1].quantity: must be a decimal string'],
    ['1e-3', 'desired[1].quantity: must be a decimal string'],
    ['.001', 'desired[1].quantity: must be a decimal string'],
    ['', 'desired[1].quantity: must be a decimal string'],
  ])('rejects quantity %j', (quantity, message) => {
    const err = rejection('BTC/USDT', [bid0, { ...ask0, quantity }]);
    expect(err.field).toBe('desired[1].quantity');
    expect(err.message).toBe(message);
  });

  it.each([
    ['NaN', 'desired[1].price: must be a decimal string'],
    ['-1', 'desired[1].price: must be > 0'],
    ['1e5', 'desired[1].price: must be a decimal string'],
    ['Infinity', 'desired[1].price: must be a decimal string'],
    ['0', 'desired[1].price: must be > 0'],
    [' 50000', 'desired[1].price: must be a decimal string'],
  ])('rejects price %j', (price, message) => {
    const err = rejection('BTC/USDT', [bid0, { ...ask0, price }]);
    expect(err.field).toBe('desired[1].price');
    expect(err.message).toBe(message);
  });

  it('rejects a JS number as price or quantity (decimals travel as strings)', () => {
    const price = rejection('BTC/USDT', [bid0, { ...ask0, price: 50000 }]);
    expect(price.field).toBe('desired[1].price');
    expect(price.message).toBe('desired[1].price: Invalid input: expected string, received number');
    const quantity = rejection('BTC/USDT', [{ ...bid0, quantity: 0.001 }]);
    expect(quantity.field).toBe('desired[0].quantity');
    expect(quantity.message).toBe('desired[0].quantity: Invalid input: expected string, received number');
  });

  it('names every shape problem in issues, the first in field', () => {
    const err = rejection('BTC/USDT', [bid0, { ...ask0, price: 'x', quantity: 'y' }]);
    expect(err.field).toBe('desired[1].price');
    expect(err.issues).toEqual([
      'desired[1].price: must be a decimal string',
      'desired[1].quantity: must be a decimal string',
    ]);
  });

  it('rejects a bad side, an empty level and a non-array', () => {
    const side = rejection('BTC/USDT', [{ ...bid0, side: 'hold' }]);
    expect(side.field).toBe('desired[0].side');
    expect(side.message).toBe('desired[0].side: Invalid option: expected one of "buy"|"sell"');
    const level = rejection('BTC/USDT', [{ ...bid0, level: '' }]);
    expect(level.field).toBe('desired[0].level');
    expect(level.message).toBe('desired[0].level: Too small: expected string to have >=1 characters');
    const notArray = rejection('BTC/USDT', { 0: bid0 });
    expect(notArray.field).toBe('desired');
    expect(notArray.message).toBe('desired: Invalid input: expected array, received object');
  });

  it('rejects more than 200 desired orders', () => {
    const many = Array.from({ length: 201 }, (_, i) => ({ ...bid0, level: `l${i}` }));
    const err = rejection('BTC/USDT', many);
    expect(err.field).toBe('desired');
    expect(err.message).toBe('desired: Too big: expected array to have <=200 items');
    expect(validateDesired('BTC/USDT', many.slice(0, 200), MARKETS)).toHaveLength(200);
  });

  it('rejects an unknown symbol before looking at the orders', () => {
    const err = rejection('DOGE/USDT', 'not even an array');
    expect(err.field).toBe('symbol');
    expect(err.message).toBe('symbol: unknown symbol "DOGE/USDT"');
  });

  it('rejects a price off the tick', () => {
    const err = rejection('BTC/USDT', [bid0, { ...ask0, price: '50000.015' }]);
    expect(err.field).toBe('desired[1].price');
    expect(err.message).toBe('desired[1].price: must be a multiple of the tick size 0.01');
    const eth = rejection('ETH/USDT', [{ side: 'sell', price: '3000.03', quantity: '0.01', level: 'a' }]);
    expect(eth.field).toBe('desired[0].price');
    expect(eth.message).toBe('desired[0].price: must be a multiple of the tick size 0.05');
  });

  it('rejects a quantity off the step', () => {
    const err = rejection('BTC/USDT', [bid0, bid1, { ...ask0, quantity: '0.00105' }]);
    expect(err.field).toBe('desired[2].quantity');
    expect(err.message).toBe('desired[2].quantity: must be a multiple of the step size 0.0001');
  });

  it('rejects a quantity below the minimum', () => {
    // 0.005 is on ETH's step (0.001) but under its minimum quantity (0.01).
    const err = rejection('ETH/USDT', [{ side: 'buy', price: '3000', quantity: '0.005', level: 'b' }]);
    expect(err.field).toBe('desired[0].quantity');
    expect(err.message).toBe('desired[0].quantity: must be >= 0.01');
  });

  it('rejects a notional below the minimum', () => {
    // 4999.99 x 0.001 = 4.99999 < 5.
    const err = rejection('BTC/USDT', [bid0, { ...bid1, price: '4999.99', quantity: '0.001' }]);
    expect(err.field).toBe('desired[1].price');
    expect(err.message).toBe('desired[1].price: notional must be >= 5');
  });

  it('rejects a duplicate level on one side', () => {
    const err = rejection('BTC/USDT', [bid0, ask0, { ...bid1, level: 'bid-0' }]);
    expect(err.field).toBe('desired[2].level');
    expect(err.message).toBe('desired[2].level: duplicate level bid-0');
  });
});

/* ------------------------------------------------------------------------------------------------------ */

const SYMBOL = 'BTC/USDT';
const T0 = 1_000_000;

/** The only venue call the strategy makes is fetchTicker; everything else must not be called. */
function fakeVenue(ticker: Omit<Ticker, 'at' | 'symbol'>): VenuePort & { tickers: number } {
  const unused = () => Promise.reject(new Error('not used by the strategy'));
  const venue = {
    id: 'paper',
    requestWindowMs: 5000,
    tickers: 0,
    loadMarkets: unused,
    placeOrder: unused,
    cancelOrder: unused,
    fetchOrder: unused,
    fetchOpenOrders: unused,
    findInHistory: unused,
    fetchOrderTrades: unused,
    fetchMyTrades: unused,
    fetchTicker: (symbol: string) => {
      venue.tickers += 1;
      return Promise.resolve({ symbol, at: T0, ...ticker });
    },
    subscribe: () => () => {},
    close: () => Promise.resolve(),
  };
  return venue;
}

/** Exchange calls never answer: the test only looks at what was committed before any call. */
class HangingEffects implements EffectHandler {
  readonly executed: OutboxRow[] = [];
  execute(row: OutboxRow) {
    this.executed.push(row);
    return new Promise<never>(() => {});
  }
  recover() {
    return { redispatch: true } as const;
  }
}

function recordingLogger() {
  const warnings: { obj: Record<string, unknown>; msg: string | undefined }[] = [];
  const logger: Logger = {
    debug: () => {},
    info: () => {},
    warn: (obj, msg) => warnings.push({ obj: obj as Record<string, unknown>, msg }),
    error: (obj, msg) => warnings.push({ obj: obj as Record<string, unknown>, msg }),
  };
  return { logger, warnings };
}

const PARAMS: MarketMakerParams = {
  levels: 2,
  spreadBps: '10',
  levelSpacingBps: '5',
  orderSize: '0.01',
  maxPosition: '0.1',
  skewBps: '4',
  requoteBps: '2',
};

describe('StrategyRunner validates before anything is sent (real runtime, temp SQLite)', () => {
  let tmp: { dir: string; cleanup: () => void };
  let database: EngineDatabase;
  let runtime: DurableRuntime;
  let effects: HangingEffects;
  let clock: SimulatedClock;
  let readModel: ReadModel;

  beforeEach(async () => {
    tmp = tempDir('strategy-runner');
    clock = new SimulatedClock();
    clock.set(T0);
    database = await openSqlite(path.join(tmp.dir, 'e.db'), 'normal');
    const store = new EngineStore(database.db, database);
    effects = new HangingEffects();
    runtime = new DurableRuntime({ store, effects, clock, projectors, onError: () => {} });
    readModel = new ReadModel(clock, 'paper');
    runtime.onCommitted(readModel.committed);
    await runtime.start();
    const book: PositionBookInput = { venue: 'paper', symbol: SYMBOL, at: T0 };
    await runtime.spawn(bookActorId('paper', SYMBOL), 'positionBook', book);
    const adjuster: AdjustOrdersInput = {
      venue: 'paper',
      symbol: SYMBOL,
      maxOpenOrders: 10,
      orderDefaults: {
        requestWindowMs: 5000,
        timeouts: { ackMs: 3000, cancelMs: 3000, lookupRetryMs: 500, absenceProofMs: 10_000 },
        maxAttempts: 3,
      },
      at: T0,
    };
    await runtime.spawn(adjusterActorId('paper', SYMBOL), 'adjustOrders', adjuster);
    await runtime.drain();
  });

  afterEach(async () => {
    await runtime.stop();
    await database.close();
    tmp.cleanup();
  });

  const journal = () =>
    database.db.selectFrom('journal').select(['actor_id', 'event_type', 'event']).orderBy('seq').execute();

  function runner(
    market: Market,
    params: MarketMakerParams,
    venue: VenuePort,
    logger: Logger,
    strategy?: (p: MarketMakerParams, v: MarketView) => unknown,
  ) {
    return new StrategyRunner({
      ...(strategy === undefined ? {} : { strategy }),
      venue,
      runtime,
      clock,
      logger,
      readModel,
      markets: new Map([[SYMBOL, market]]),
      symbols: [SYMBOL],
      params,
      intervalMs: 500,
      idPrefix: 'sftest-1-',
    });
  }

  it('a strategy producing invalid quotes leaves the database without ADJUST_ORDERS', async () => {
    // A strategy whose output is invalid (quantity 0 on every quote): validation must stop it before it
    // reaches the AdjustOrders workflow. (The market maker itself never quotes a zero size.)
    const market: Market = { ...BTC, stepSize: '0.001', minQuantity: '0', minNotional: '0' };
    const params = { ...PARAMS, orderSize: '0.0005' };
    const view = { market, bid: '49999.5', ask: '50000.5', position: '0' };
    expect(quote(params, view)).toEqual([]);
    const zeroSized = (p: MarketMakerParams, v: MarketView) =>
      quote({ ...p, orderSize: '0.001' }, v).map((o) => ({ ...o, quantity: '0' }));
    expect(zeroSized(params, view)[0]).toEqual({
      side: 'buy',
      price: '49950',
      quantity: '0',
      level: 'bid-0',
    });

    const before = await journal();
    const { logger, warnings } = recordingLogger();
    const venue = fakeVenue({ bid: '49999.5', ask: '50000.5', last: '50000' });
    const strategy = runner(market, params, venue, logger, zeroSized);
    strategy.start();
    clock.increment(0);
    await vi.waitFor(() => expect(warnings.length).toBe(1));
    await strategy.stop();
    await runtime.drain();

    expect(venue.tickers).toBe(1);
    expect(warnings[0]).toEqual({
      obj: {
        code: 'STRATEGY_TICK_FAILING',
        symbol: SYMBOL,
        err: [0, 1, 2, 3].map((i) => `desired[${i}].quantity: must be > 0`).join('; '),
      },
      msg: 'strategy tick failed',
    });
    const after = await journal();
    expect(after).toEqual(before);
    expect(after.filter((r) => r.event_type === 'ADJUST_ORDERS')).toEqual([]);
    expect(await database.db.selectFrom('orders').selectAll().execute()).toEqual([]);
    expect(await database.db.selectFrom('outbox').selectAll().execute()).toEqual([]);
    expect(effects.executed).toEqual([]);
    expect(readModel.symbol(SYMBOL)?.mid).toBe('50000');
  });

  it('control: the same wiring with valid quotes journals exactly one ADJUST_ORDERS', async () => {
    const before = await journal();
    const { logger, warnings } = recordingLogger();
    const venue = fakeVenue({ bid: '49999.5', ask: '50000.5', last: '50000' });
    const strategy = runner(BTC, PARAMS, venue, logger);
    strategy.start();
    clock.increment(0);
    await vi.waitFor(async () =>
      expect((await journal()).filter((r) => r.event_type === 'ADJUST_ORDERS')).toHaveLength(1),
    );
    await strategy.stop();
    await runtime.drain();

    expect(warnings).toEqual([]);
    const adjust = (await journal()).slice(before.length).filter((r) => r.event_type === 'ADJUST_ORDERS');
    expect(adjust.map((r) => r.actor_id)).toEqual([adjusterActorId('paper', SYMBOL)]);
    const event = JSON.parse(adjust[0]!.event) as { desired: DesiredOrder[]; idPrefix: string; at: number };
    // mid 50000: 10 bps -> 49950 / 50050, 15 bps -> 49925 / 50075.
    expect(event.desired).toEqual([
      { side: 'buy', price: '49950', quantity: '0.01', level: 'bid-0' },
      { side: 'sell', price: '50050', quantity: '0.01', level: 'ask-0' },
      { side: 'buy', price: '49925', quantity: '0.01', level: 'bid-1' },
      { side: 'sell', price: '50075', quantity: '0.01', level: 'ask-1' },
    ]);
    expect(event.idPrefix).toBe('sftest-1-0-'); // the run prefix, then the symbol's tag
    expect(event.at).toBe(T0);
  });
});
