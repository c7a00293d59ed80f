/**
 * What the engine tells its operator. Every warning that needs a human carries one of these stable codes
 * in its `code` field (log lines are JSON); docs/operator-warnings.md explains each and what to do.
 */
export const NOTICE_CODES = [
  'ORDER_REJECTED',
  'ORDER_DENIED',
  'RISK_DENIED',
  'TRADING_HALTED',
  'TRADING_REDUCING',
  'ORDER_NOT_LISTED',
  'ORDER_VANISHED',
  'LOOKUP_FAILING',
  'CANCEL_UNCONFIRMED',
  'FILL_AFTER_CLOSE',
  'FILL_GAP',
  'TRADE_ID_REUSED',
  'ORDER_OVERFILLED',
  'BALANCE_MISMATCH',
  'VENUE_CHECK_FAILING',
  'UNKNOWN_ORDER_FILL',
  'UNKNOWN_ORDER_REPORT',
  'UNKNOWN_OPEN_ORDER',
  'FILL_REFUSED_BY_ORDER',
  'VENUE_ANOMALY',
  'VENUE_REPORT_REFUSED',
] as const;

/** One of NOTICE_CODES. */
export type NoticeCode = (typeof NOTICE_CODES)[number];

/** How each kind of recorded anomaly (the `anomalies` table) is told to the operator. */
export interface AnomalyNotice {
  code: NoticeCode;
  message: string;
  /** An alert: repeated until an operator acknowledges it (`npm run cli -- ack`). */
  alert: boolean;
}

/** The anomaly kinds the engine records, by kind. */
export const ANOMALY_NOTICES: Readonly<Record<string, AnomalyNotice>> = {
  'order-overfilled': {
    code: 'ORDER_OVERFILLED',
    message: 'the venue filled an order past its quantity: the excess counts in the position',
    alert: true,
  },
  'trade-id-reused': {
    code: 'TRADE_ID_REUSED',
    message:
      'the venue reported a trade id again with other content: both versions kept, the filled quantity decides',
    alert: false,
  },
  'fill-after-close': {
    code: 'FILL_AFTER_CLOSE',
    message: 'a fill arrived for an order already cancelled, expired, rejected or denied: applied',
    alert: false,
  },
  'unknown-order-fill': {
    code: 'UNKNOWN_ORDER_FILL',
    message: 'a fill of an order this database does not know: applied to the position',
    alert: false,
  },
  'refused-venue-report': {
    code: 'VENUE_REPORT_REFUSED',
    message:
      'a pushed venue update could not be read (malformed, truncated, out of range): the order it names is looked up',
    alert: false,
  },
  'unknown-order': {
    code: 'UNKNOWN_ORDER_REPORT',
    message: 'a status report of an order this database does not know',
    alert: false,
  },
  'unknown-open-order': {
    code: 'UNKNOWN_OPEN_ORDER',
    message: 'an open venue order this database does not know',
    alert: false,
  },
  'closed-here-open-at-venue': {
    code: 'UNKNOWN_OPEN_ORDER',
    message: 'an order ended here is open at the venue',
    alert: false,
  },
  'fill-refused-by-order': {
    code: 'FILL_REFUSED_BY_ORDER',
    message: 'an order refused a fill in its state: applied to the position only',
    alert: false,
  },
};

/** The notice of an anomaly kind (an unlisted kind is a generic VENUE_ANOMALY warning). */
export function anomalyNotice(kind: string): AnomalyNotice {
  return ANOMALY_NOTICES[kind] ?? { code: 'VENUE_ANOMALY', message: `venue anomaly: ${kind}`, alert: false };
}

/** The anomaly kinds that are alerts. */
export const ALERT_KINDS: readonly string[] = Object.entries(ANOMALY_NOTICES)
  .filter(([, n]) => n.alert)
  .map(([kind]) => kind);
