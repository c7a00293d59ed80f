import { Dec, fmt } from '../domain/decimal.js';
import type { SimBalance, VenueSimStore } from '../persistence/venues/venue-sim-store.js';
import { errors } from './binance-error.js';

/**
 * Balance bookkeeping of one operation (runs inside the caller's store transaction). An order reserves what
 * it may spend (a buy: limit price × quantity of quote, a market buy at the touch; a sell: its base
 * quantity) by moving it from free to locked; each fill spends from locked and credits the other asset
 * net of commission; a cancel or expiry releases the rest. Tracks which assets changed, for
 * `outboundAccountPosition`.
 */
export class Ledger {
  readonly #store: VenueSimStore;
  readonly #now: number;
  readonly #touched = new Map<string, SimBalance>();

  constructor(store: VenueSimStore, now: number) {
    this.#store = store;
    this.#now = now;
  }

  /** The current balance of `asset` (zero when the account never held it). */
  balance(asset: string): SimBalance {
    return (
      this.#touched.get(asset) ??
      this.#store.balance(asset) ?? { asset, free: '0', locked: '0', updatedAt: this.#now }
    );
  }

  /** Adds the (signed) deltas to free and locked; neither may go negative (an internal error if so). */
  move(asset: string, freeDelta: string, lockedDelta: string): void {
    const b = this.balance(asset);
    const free = new Dec(b.free).plus(freeDelta);
    const locked = new Dec(b.locked).plus(lockedDelta);
    if (free.lt('0') || locked.lt('0')) {
      throw new Error(
        `venue simulator: balance of ${asset} would go negative (${fmt(free)} / ${fmt(locked)})`,
      );
    }
    const next = { asset, free: fmt(free), locked: fmt(locked), updatedAt: this.#now };
    this.#store.saveBalance(next);
    this.#touched.set(asset, next);
  }

  /** Moves `amount` of `asset` from free to locked; -2010 insufficient balance when free is short. */
  reserve(asset: string, amount: string): void {
    if (new Dec(this.balance(asset).free).lt(amount)) throw errors.insufficientBalance();
    this.move(asset, fmt(new Dec(amount).neg()), amount);
  }

  /** Moves `amount` of `asset` from locked back to free. */
  release(asset: string, amount: string): void {
    this.move(asset, amount, fmt(new Dec(amount).neg()));
  }

  /**
   * Settles one fill of `qty` at `price` for an order that reserved at `reservePrice` (buys only):
   * a buy spends reservePrice × qty from locked quote, gets the price improvement back as free quote and
   * receives qty − commission of base; a sell spends qty from locked base and receives price × qty −
   * commission of quote.
   */
  settleFill(f: {
    side: 'BUY' | 'SELL';
    base: string;
    quote: string;
    price: string;
    qty: string;
    reservePrice: string;
    commission: string;
  }): void {
    const quoteQty = new Dec(f.price).times(f.qty);
    if (f.side === 'BUY') {
      const reserved = new Dec(f.reservePrice).times(f.qty);
      this.move(f.quote, fmt(reserved.minus(quoteQty)), fmt(reserved.neg()));
      this.move(f.base, fmt(new Dec(f.qty).minus(f.commission)), '0');
    } else {
      this.move(f.base, '0', fmt(new Dec(f.qty).neg()));
      this.move(f.quote, fmt(quoteQty.minus(f.commission)), '0');
    }
  }

  /** Sets a balance outright (admin). */
  set(asset: string, free: string, locked: string): void {
    const next = { asset, free, locked, updatedAt: this.#now };
    this.#store.saveBalance(next);
    this.#touched.set(asset, next);
  }

  /** The balances this operation changed, by asset name. */
  touched(): SimBalance[] {
    return [...this.#touched.values()].sort((a, b) => (a.asset < b.asset ? -1 : 1));
  }
}
