/**
 * Binance's error replies: HTTP status plus `{"code":<int>,"msg":"<text>"}`. The texts are Binance's own,
 * because ccxt maps some of them by exact message (see ../../shared/design/binance-subset.md §4).
 */
export class BinanceError extends Error {
  /** HTTP status of the reply (400 for most, 401 for key problems). */
  readonly status: number;
  /** Binance's negative error code. */
  readonly code: number;

  constructor(status: number, code: number, msg: string) {
    super(msg);
    this.name = 'BinanceError';
    this.status = status;
    this.code = code;
  }

  /** The JSON body Binance sends. */
  body(): { code: number; msg: string } {
    return { code: this.code, msg: this.message };
  }
}

/** The errors the simulator raises, by name. */
export const errors = {
  /** -2014: no or malformed X-MBX-APIKEY header. */
  apiKeyFormat: () => new BinanceError(401, -2014, 'API-key format invalid.'),
  /** -2015: unknown API key. */
  invalidApiKey: () => new BinanceError(401, -2015, 'Invalid API-key, IP, or permissions for action.'),
  /** -1022: HMAC mismatch. */
  badSignature: () => new BinanceError(400, -1022, 'Signature for this request is not valid.'),
  /** -1021: timestamp older than recvWindow. */
  staleTimestamp: () =>
    new BinanceError(400, -1021, 'Timestamp for this request is outside of the recvWindow.'),
  /** -1021: timestamp more than 1 s ahead of the server. */
  futureTimestamp: () =>
    new BinanceError(400, -1021, "Timestamp for this request was 1000ms ahead of the server's time."),
  /** -1131: recvWindow above 60000. */
  badRecvWindow: () => new BinanceError(400, -1131, 'recvWindow must be less than 60000'),
  /** -1102: a mandatory parameter is missing or empty. */
  mandatory: (name: string) =>
    new BinanceError(400, -1102, `Mandatory parameter '${name}' was not sent, was empty/null, or malformed.`),
  /** -1102: neither orderId nor origClientOrderId. */
  orderRefMissing: () =>
    new BinanceError(
      400,
      -1102,
      "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!",
    ),
  /** -1100: a parameter does not match its pattern. */
  illegalChars: (name: string, pattern: string) =>
    new BinanceError(
      400,
      -1100,
      `Illegal characters found in parameter '${name}'; legal range is '${pattern}'.`,
    ),
  /** -1106: a parameter that this order type does not take. */
  notRequired: (name: string) => new BinanceError(400, -1106, `Parameter '${name}' sent when not required.`),
  /** -1104: both quantity forms, or other superfluous combinations. */
  notAllSent: () =>
    new BinanceError(400, -1104, 'Not all sent parameters were read; read 8 parameter(s) but was sent 9.'),
  /** -1121: unknown symbol. */
  badSymbol: () => new BinanceError(400, -1121, 'Invalid symbol.'),
  /** -1116: unsupported order type. */
  badOrderType: () => new BinanceError(400, -1116, 'Invalid orderType.'),
  /** -1117: side is not BUY or SELL. */
  badSide: () => new BinanceError(400, -1117, 'Invalid side.'),
  /** -1115: unsupported time in force. */
  badTimeInForce: () => new BinanceError(400, -1115, 'Invalid timeInForce.'),
  /** -1118: empty newClientOrderId. */
  emptyClientOrderId: () => new BinanceError(400, -1118, 'New client order ID was empty.'),
  /** -1013: a filter failed (`PRICE_FILTER`, `LOT_SIZE`, `MARKET_LOT_SIZE`, `NOTIONAL`). */
  filter: (filter: string) => new BinanceError(400, -1013, `Filter failure: ${filter}`),
  /** -2010: the clientOrderId is that of an open order. */
  duplicate: () => new BinanceError(400, -2010, 'Duplicate order sent.'),
  /** -2010: not enough free balance. */
  insufficientBalance: () =>
    new BinanceError(400, -2010, 'Account has insufficient balance for requested action.'),
  /** -2010: a LIMIT_MAKER order would trade at once. */
  wouldTake: () => new BinanceError(400, -2010, 'Order would immediately match and take.'),
  /** -2011: cancel of an unknown or closed order. */
  unknownOrder: () => new BinanceError(400, -2011, 'Unknown order sent.'),
  /** -2013: query of an unknown order. */
  noSuchOrder: () => new BinanceError(400, -2013, 'Order does not exist.'),
  /** -1125: unknown listenKey. */
  badListenKey: () => new BinanceError(400, -1125, 'This listenKey does not exist.'),
  /** -1003: rate limit (HTTP 429). */
  tooManyRequests: () =>
    new BinanceError(
      429,
      -1003,
      'Too many requests; current limit of IP(127.0.0.1) is 6000 requests per minute. ' +
        'Please use the websocket for live updates to avoid polling the API.',
    ),
  /** -1003: IP ban (HTTP 418). */
  banned: (untilMs: number) =>
    new BinanceError(
      418,
      -1003,
      `Way too much request weight used; IP banned until ${untilMs}. ` +
        'Please use the websocket for live updates to avoid bans.',
    ),
};
