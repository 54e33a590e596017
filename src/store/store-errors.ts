import { MongoNetworkError, MongoNotConnectedError, MongoServerError, MongoServerSelectionError } from "mongodb";

/** Thrown by the gateway itself for work it refuses because the store is known to be unreachable. */
export class StoreUnavailableError extends Error {
  constructor(message = "the store (database) is unreachable") {
    super(message);
    this.name = "StoreUnavailableError";
  }
}

/** MongoDB server codes meaning "this server is going away", not "your request is wrong". */
const SHUTTING_DOWN = new Set([91 /* ShutdownInProgress */, 11600 /* InterruptedAtShutdown */, 11602 /* InterruptedDueToReplStateChange */]);

/**
 * Whether `err` (or an error it wraps) says the store cannot be reached right now, rather
 * than that a request is wrong: the one place that decides it, so RPCs answer `unavailable`,
 * health goes NOT_SERVING and inbound messages are left for WhatsApp to redeliver.
 */
export function isStoreUnavailable(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof StoreUnavailableError) return true;
    if (e instanceof MongoNetworkError || e instanceof MongoServerSelectionError || e instanceof MongoNotConnectedError) return true;
    if (e instanceof MongoServerError && typeof e.code === "number" && SHUTTING_DOWN.has(e.code)) return true;
  }
  return false;
}
