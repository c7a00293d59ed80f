/**
 * The venue port the adapters implement. It is declared in src/domain/venue-port.ts, so that the engine,
 * which drives a port, and the adapters, which implement one, share it without importing each other.
 */
export * from '../domain/venue-port.js';
