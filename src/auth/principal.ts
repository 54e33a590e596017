import { Code, ConnectError, createContextKey, type HandlerContext } from "@connectrpc/connect";

/**
 * What a key may do. `admin` implies every other permission and is only granted
 * with the all-accounts scope.
 * - `read`: read accounts, messages, media, groups, chats, contacts; open streams.
 * - `send`: act on WhatsApp as an account: send, edit, delete, mark read, presence,
 *   group/chat/profile changes, uploads.
 * - `accounts`: account lifecycle: create, update, connect, pair, disconnect, logout, delete.
 * - `webhooks`: manage webhooks for the accounts in scope.
 * - `admin`: API keys, and webhooks of any scope.
 */
export type Permission = "admin" | "accounts" | "send" | "read" | "webhooks";

/** The authenticated caller of one RPC: the API key it presented. */
export interface Principal {
  readonly keyId: string;
  readonly name: string;
  readonly permissions: ReadonlySet<Permission>;
  /** `"all"`, or the account ids this key may act on. */
  readonly scope: "all" | ReadonlySet<string>;
  /** Requests per second; 0 means the server default. */
  readonly ratePerSecond: number;
  /** Aborted when the key is revoked or expires: long streams end with it. */
  readonly signal: AbortSignal;
}

/** Set by the auth interceptor on every authenticated call. */
export const principalKey = createContextKey<Principal | undefined>(undefined, { description: "the API key of the call" });

/** The caller of this call. Every wildcat.v1 RPC has one (the interceptor refuses calls without). */
export function principalOf(ctx: HandlerContext): Principal {
  const p = ctx.values.get(principalKey);
  if (!p) throw new ConnectError("no API key on this call", Code.Unauthenticated);
  return p;
}

export function hasPermission(p: Principal, permission: Permission): boolean {
  return p.permissions.has("admin") || p.permissions.has(permission);
}

/** True when the key may act on `accountId`. */
export function inScope(p: Principal, accountId: string): boolean {
  return p.scope === "all" || p.scope.has(accountId);
}

/**
 * Refuses an account id outside the key's scope with `permission_denied`, whether
 * or not that account exists (so the answer says nothing about other accounts).
 */
export function requireAccount(p: Principal, accountId: string): void {
  if (!inScope(p, accountId)) {
    throw new ConnectError(`this API key may not act on account "${accountId}"`, Code.PermissionDenied);
  }
}

/**
 * For resources addressed by their own id (a media id, a webhook id): one that
 * belongs to an account outside the key's scope is answered exactly like one
 * that does not exist.
 */
export function visibleTo(p: Principal, accountId: string | undefined): boolean {
  return accountId === undefined || accountId === "" ? p.scope === "all" : inScope(p, accountId);
}
