import type { VenuePort } from '../domain/venue-port.js';
import type { Clock } from '../domain/clock.js';
import { Dec, fmt } from '../domain/decimal.js';
import type { Decimal } from '../domain/decimal.js';
import type { Logger } from '../domain/logger.js';
import type { Market } from '../domain/types.js';
import type { EngineStore } from '../persistence/engine-store.js';
import type { DurableRuntime } from '../runtime/durable-runtime.js';
import { workCommand } from '../runtime/types.js';
import { WatchedConditions } from './watched-conditions.js';

/** Meta key of an asset's balance at the venue before any of this database's fills. */
export const balanceBaselineKey = (venue: string, asset: string): string =>
  `balanceBaseline/${venue}/${asset}`;

/** What the balance check works with. */
export interface BalanceCheckDeps {
  venue: VenuePort;
  runtime: DurableRuntime;
  store: EngineStore;
  clock: Clock;
  logger: Logger;
  /** The markets of the symbols whose positions are checked (their base assets are). */
  markets: () => Market[];
  /** Least time between two warnings about one asset while its mismatch lasts (default 60 s). */
  repeatMs?: number;
}

/**
 * Compares, where the venue reports balances, each traded base asset's balance (free + locked) with what
 * this database's fills say it should be: its balance before the first fill (recorded at the first check,
 * as balance − position + base fees) plus the positions in that asset minus the fees paid in it. A
 * difference seen in two checks in a row (a fill in flight between the two reads explains one) is
 * warned about (BALANCE_MISMATCH): a fill the engine does not know, or a deposit, withdrawal or trade made
 * elsewhere on the account.
 */
export class BalanceCheck {
  /** Assets whose balance differs, by asset. */
  readonly #differing: WatchedConditions;

  constructor(private readonly deps: BalanceCheckDeps) {
    this.#differing = new WatchedConditions(deps.clock, {
      confirmAfter: 2,
      repeatMs: deps.repeatMs ?? 60_000,
    });
  }

  /** One check; nothing when the venue reports no balances. */
  async run(): Promise<void> {
    const { venue, store } = this.deps;
    if (venue.fetchBalance === undefined) return;
    const balances = await venue.fetchBalance();
    const positions = await store.ledger.positionsOf(venue.id);
    const byAsset = new Map<string, { position: Decimal; fees: Decimal; symbols: string[] }>();
    for (const m of this.deps.markets()) {
      const p = positions.get(m.symbol);
      const entry = byAsset.get(m.base) ?? { position: new Dec('0'), fees: new Dec('0'), symbols: [] };
      entry.symbols.push(m.symbol);
      if (p !== undefined) {
        entry.position = entry.position.plus(p.quantity);
        entry.fees = entry.fees.plus(p.fees[m.base] ?? '0');
      }
      byAsset.set(m.base, entry);
    }
    for (const [asset, { position, fees, symbols }] of byAsset) {
      const b = balances[asset];
      const held = b === undefined ? new Dec('0') : new Dec(b.free).plus(b.locked);
      const fromFills = position.minus(fees);
      const key = balanceBaselineKey(venue.id, asset);
      const baseline = await store.getMeta(key);
      if (baseline === undefined) {
        await this.record(key, fmt(held.minus(fromFills)));
        continue;
      }
      const expected = new Dec(baseline).plus(fromFills);
      this.compare(asset, symbols, fmt(held), fmt(expected), fmt(held.minus(expected)));
    }
  }

  private compare(
    asset: string,
    symbols: string[],
    held: string,
    expected: string,
    difference: string,
  ): void {
    const { logger } = this.deps;
    if (difference === '0') {
      if (this.#differing.ended(asset) !== null)
        logger.info({ asset, symbols, balance: held }, 'balance matches the positions again');
      return;
    }
    if (this.#differing.holds(asset) === null) return;
    logger.warn(
      { code: 'BALANCE_MISMATCH', asset, symbols, venueBalance: held, expected, difference },
      "the venue's balance does not match this database's positions",
    );
  }

  private async record(key: string, value: string): Promise<void> {
    await this.deps.runtime.enqueue(
      workCommand<undefined>({
        kind: 'work',
        name: 'balanceCheck.baseline',
        run: (tx) => tx.setMeta(key, value),
      }),
    );
  }
}
