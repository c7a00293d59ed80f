/** The pre-trade risk rules, by the name a denial carries (in the order's reason, logs and metrics). */
export const RISK_RULES = [
  'maxOrderQuantity',
  'maxOrderNotional',
  'maxPosition',
  'maxOpenOrders',
  'priceBandBps',
  'maxSubmitsPerSecond',
] as const;

/** A pre-trade risk rule. */
export type RiskRule = (typeof RISK_RULES)[number];

/** How the reason of an order the risk checks denied starts (the order ends `denied` with it). */
export const DENIED_BY_RISK = 'denied by risk';

/**
 * The rule named in a risk denial's reason (`denied by risk: maxPosition (...)`; before the `denied` state,
 * `rejected: denied by risk: ...`), or null for any other reason.
 */
export function riskRuleOf(reason: string | null): RiskRule | null {
  const at = reason?.indexOf(`${DENIED_BY_RISK}: `) ?? -1;
  if (reason === null || at < 0) return null;
  const name = reason.slice(at + DENIED_BY_RISK.length + 2).split(' ', 1)[0];
  return (RISK_RULES as readonly string[]).includes(name ?? '') ? (name as RiskRule) : null;
}
