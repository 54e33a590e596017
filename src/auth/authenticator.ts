import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { RetryInfoSchema } from "../../gen/google/rpc/error_details_pb.js";
import type { Clock } from "../clock.js";
import type { ApiKeys } from "./api-keys.js";
import type { Principal } from "./principal.js";
import { AuthFailures, TokenBuckets, type AuthFailureOptions } from "./rate-limits.js";

export interface AuthenticatorOptions {
  /** Requests per second of a key whose own rate is 0. */
  ratePerSecond: number;
  failures: AuthFailureOptions;
}

/** `resource_exhausted` with a RetryInfo detail: the client may try again after `ms`. */
export function retryLater(message: string, ms: number): ConnectError {
  const delay = Math.max(1, Math.ceil(ms));
  return new ConnectError(`${message}; retry in ${(delay / 1000).toFixed(1)} s`, Code.ResourceExhausted, undefined, [
    { desc: RetryInfoSchema, value: { retryDelay: durationFromMs(delay) } },
  ]);
}

const BEARER = /^Bearer +(\S+)\s*$/i;

/**
 * The one place a call's credentials are checked, for the RPCs and for GET /media alike:
 * the peer's failed attempts (slowed, then refused), the bearer key (constant-time, against
 * hashes; an unknown id and a wrong secret are answered alike), and the key's request rate.
 */
export class Authenticator {
  readonly #failures: AuthFailures;
  readonly #rates = new TokenBuckets();

  constructor(
    readonly keys: ApiKeys,
    private readonly clock: Clock,
    private readonly options: AuthenticatorOptions,
  ) {
    this.#failures = new AuthFailures(options.failures);
  }

  /** The caller's principal from its authorization header; throws the ConnectError to answer with. */
  async authenticate(authorization: string | null | undefined, peer: string): Promise<Principal> {
    this.#checkPeer(peer);
    if (!authorization) {
      throw new ConnectError('no API key: send the header "authorization: Bearer <key>"', Code.Unauthenticated);
    }
    const presented = BEARER.exec(authorization)?.[1];
    const result = presented ? await this.keys.authenticate(presented) : "invalid";
    // Only a caller who holds the secret learns more than "invalid".
    if (typeof result === "string") return this.#fail(peer, result === "invalid" ? "invalid API key" : `the API key was ${result}`);
    return this.admit(result);
  }

  /**
   * The principal behind a signed download URL: `keyId` is what the URL's verified token
   * names (undefined: the token was forged, altered or expired). The key must still work.
   */
  async authenticateUrl(keyId: string | undefined, peer: string): Promise<Principal> {
    this.#checkPeer(peer);
    const principal = keyId === undefined ? undefined : await this.keys.active(keyId);
    if (!principal) return this.#fail(peer, "invalid or expired download URL");
    return this.admit(principal);
  }

  /** Takes one request from the key's rate; throws resource_exhausted with RetryInfo when it is spent. */
  admit(principal: Principal): Principal {
    const rate = principal.ratePerSecond || this.options.ratePerSecond;
    const wait = this.#rates.take(principal.keyId, rate, rate, this.clock.now().getTime());
    if (wait > 0) throw retryLater(`API key ${principal.keyId} is over its rate of ${rate} requests per second`, wait);
    return principal;
  }

  #checkPeer(peer: string): void {
    const blocked = this.#failures.blockedFor(peer, this.clock.now().getTime());
    if (blocked > 0) throw retryLater("too many failed authentications from this address", blocked);
  }

  /** Counts a failure against the peer and answers it, more slowly as failures add up. */
  async #fail(peer: string, message: string): Promise<never> {
    const delay = this.#failures.record(peer, this.clock.now().getTime());
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    throw new ConnectError(message, Code.Unauthenticated);
  }
}
