import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { isIP, type LookupFunction } from "node:net";
import { Agent, buildConnector, request } from "undici";
import { systemClock, type Clock } from "../clock.js";
import type { AddressGuard } from "./address-guard.js";

/** Sent with every delivery, so receivers (and their firewalls) can tell webhook traffic apart. */
export const WEBHOOK_USER_AGENT = "Wildcat-Webhooks/1";

/** Most of a response body read (and thrown away) before the connection is closed instead. */
export const MAX_RESPONSE_DRAIN_BYTES = 64 * 1024;

/** Longest `Retry-After` honoured (one day): a receiver cannot park deliveries for longer than that. */
export const MAX_RETRY_AFTER_MS = 24 * 60 * 60 * 1000;

/** The outcome of one delivery attempt, as the delivery log records it. */
export interface WebhookAttempt {
  /** HTTP status when a response arrived. */
  statusCode?: number;
  /** Why the attempt failed (refused address, timeout, connection error, redirect not followed, non-2xx). */
  error?: string;
  /** From `Retry-After` on 429/503 (seconds or HTTP date), at most MAX_RETRY_AFTER_MS. */
  retryAfterMs?: number;
  /** true only for 2xx. */
  ok: boolean;
  /** From the start of the attempt until its outcome was known. */
  durationMs: number;
}

/** How `postWebhook` connects. */
export interface WebhookPostOptions {
  /** Per-request limit covering connect, response headers and the (bounded) response body. */
  timeoutMs: number;
  /** Decides, when connecting, which addresses the URL's host may be reached at. */
  guard: AddressGuard;
  /** Aborts the attempt (e.g. on shutdown); it then fails with "aborted". */
  signal?: AbortSignal;
  /** Name resolution (default `dns.lookup`); tests inject one to play DNS rebinding. */
  lookup?: LookupFunction;
  /** For the date form of `Retry-After` (default the system clock). */
  clock?: Clock;
}

/** A connection the guard did not allow; carries the reason for the delivery log. */
class RefusedAddressError extends Error {
  constructor(host: string, address: string, reason: string) {
    super(
      `refused to connect to ${address === host ? address : `${host} (${address})`}: ${reason} address` +
        " (only public addresses unless allow-listed in WEBHOOK_ALLOW_HOSTS)",
    );
  }
}

/** A lookup that hands the socket only addresses the guard allows for the host being resolved. */
function guardedLookup(guard: AddressGuard, lookup: LookupFunction): LookupFunction {
  return (hostname, options, callback) => {
    lookup(hostname, { ...options, all: true }, (err, result, family) => {
      if (err) return callback(err, "", undefined);
      const found: LookupAddress[] = typeof result === "string" ? [{ address: result, family: family ?? isIP(result) }] : result;
      const allowed = found.filter(({ address }) => guard.refusal(hostname, address) === null);
      if (allowed.length === 0) {
        const first = found[0];
        const error = first
          ? new RefusedAddressError(hostname, first.address, guard.refusal(hostname, first.address) ?? "")
          : Object.assign(new Error(`${hostname} resolved to no address`), { code: "ENOTFOUND" });
        return callback(error, "", undefined);
      }
      if (options.all) callback(null, allowed);
      else callback(null, allowed[0].address, allowed[0].family);
    });
  };
}

/**
 * An undici connector that checks the address actually connected to: IP literals before
 * connecting, names through the guarded lookup the socket itself uses, so a name that resolved
 * to a public address once and to loopback now (DNS rebinding) is refused now.
 */
function guardedConnector(guard: AddressGuard, lookup: LookupFunction): buildConnector.connector {
  const connect = buildConnector({ lookup: guardedLookup(guard, lookup) });
  return (options, callback) => {
    const host = options.hostname;
    const reason = isIP(host) ? guard.refusal(host, host) : null;
    if (reason) callback(new RefusedAddressError(host, host, reason), null);
    else connect(options, callback);
  };
}

/**
 * One pool per guard and lookup, so deliveries to an endpoint reuse kept-alive connections;
 * keyed weakly, so a dropped guard takes its pool along. (undici unrefs idle sockets.)
 */
const agents = new WeakMap<AddressGuard, WeakMap<LookupFunction, Agent>>();

function agentFor(guard: AddressGuard, lookup: LookupFunction): Agent {
  let byLookup = agents.get(guard);
  if (!byLookup) agents.set(guard, (byLookup = new WeakMap()));
  let agent = byLookup.get(lookup);
  if (!agent) byLookup.set(lookup, (agent = new Agent({ connect: guardedConnector(guard, lookup) })));
  return agent;
}

/** `Retry-After` (delta seconds or an HTTP date) in milliseconds from now, within [0, MAX_RETRY_AFTER_MS]. */
function retryAfterMs(value: string | string[] | undefined, clock: Clock): number | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!text) return undefined;
  // An HTTP date names its day and zone; without letters Date.parse would read "1.5" as a date, too.
  const ms = /^\d+$/.test(text) ? Number(text) * 1000 : /[a-z]/i.test(text) ? Date.parse(text) - clock.now().getTime() : Number.NaN;
  return Number.isNaN(ms) ? undefined : Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS);
}

/** A failure in words: Node's connection errors may be AggregateErrors (one per address tried) with no message. */
function describe(err: unknown): string {
  if (err instanceof RefusedAddressError) return err.message;
  if (err instanceof AggregateError && !err.message) return err.errors.map(describe).join("; ");
  const cause = err instanceof Error && err.cause ? `: ${describe(err.cause)}` : "";
  if (err instanceof Error) return (err.message || String((err as NodeJS.ErrnoException).code ?? err.name)) + cause;
  return String(err);
}

/**
 * One delivery attempt: POSTs `body` as application/json with `headers` (the signature headers)
 * and User-Agent `Wildcat-Webhooks/1` to `url` (http or https, certificates verified).
 * Only addresses `options.guard` allows are connected to, checked when connecting. Redirects are
 * never followed: a 3xx is a failure naming its Location. Only 2xx is `ok`. On 429 and 503 the
 * `Retry-After` header becomes `retryAfterMs`. `options.timeoutMs` bounds the whole attempt; the
 * response body is read up to 64 KiB and the connection dropped after that. Never throws: every
 * failure comes back as `{ ok: false, error }`.
 */
export async function postWebhook(url: string, headers: Record<string, string>, body: string, options: WebhookPostOptions): Promise<WebhookAttempt> {
  const started = performance.now();
  const done = (attempt: Omit<WebhookAttempt, "durationMs">): WebhookAttempt => ({ ...attempt, durationMs: performance.now() - started });
  if (!(options.timeoutMs > 0 && options.timeoutMs < 2 ** 31)) return done({ ok: false, error: `timeoutMs out of range: ${options.timeoutMs}` });
  // One controller for timeout and caller, both unhooked when the attempt ends: AbortSignal.any with a
  // long-lived caller signal (the dispatcher's shutdown) keeps a reference per attempt on Node 20.
  const controller = new AbortController();
  const signal = controller.signal;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error(`timed out after ${options.timeoutMs} ms`));
  }, options.timeoutMs);
  const onAbort = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener("abort", onAbort, { once: true });
  if (options.signal?.aborted) onAbort();
  let statusCode: number | undefined;
  try {
    const target = new URL(url);
    if (target.protocol !== "http:" && target.protocol !== "https:") return done({ ok: false, error: `not an http(s) URL: ${target.protocol}` });
    const sent: Record<string, string> = {};
    for (const [name, value] of Object.entries(headers)) sent[name.toLowerCase()] = value;
    sent["content-type"] = "application/json";
    sent["user-agent"] = WEBHOOK_USER_AGENT;
    const response = await request(target, {
      method: "POST",
      headers: sent,
      body,
      signal,
      dispatcher: agentFor(options.guard, options.lookup ?? dnsLookup),
    });
    statusCode = response.statusCode;
    // The request's signal also ends the body; dump() then just returns, so look at the signal after it.
    await response.body.dump({ limit: MAX_RESPONSE_DRAIN_BYTES });
    signal.throwIfAborted();
    if (statusCode >= 200 && statusCode < 300) return done({ ok: true, statusCode });
    if (statusCode >= 300 && statusCode < 400) {
      // The receiver picks the Location; keep what goes into the delivery log short.
      const location = response.headers.location?.toString().slice(0, 500) ?? "(no Location)";
      return done({ ok: false, statusCode, error: `redirect ${statusCode} to ${location} not followed` });
    }
    const attempt: Omit<WebhookAttempt, "durationMs"> = { ok: false, statusCode, error: `HTTP ${statusCode}` };
    if (statusCode === 429 || statusCode === 503) {
      const after = retryAfterMs(response.headers["retry-after"], options.clock ?? systemClock);
      if (after !== undefined) attempt.retryAfterMs = after;
    }
    return done(attempt);
  } catch (err) {
    const stage = statusCode === undefined ? "" : " reading the response body";
    const error = timedOut ? `timed out after ${options.timeoutMs} ms${stage}` : signal.aborted ? `aborted${stage}` : describe(err);
    return done(statusCode === undefined ? { ok: false, error } : { ok: false, statusCode, error });
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", onAbort);
  }
}
