import type { Permission } from "./principal.js";

/**
 * How one RPC is authorized. Every method of every wildcat.v1 service has exactly
 * one rule in `src/auth/rules.ts`; a method without one is refused (and fails the
 * table test that walks the generated descriptors).
 */
export interface RpcRule<M = any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  /** The permission the key needs (`admin` implies all). */
  permission: Permission;
  /**
   * The account ids a request message names (for client streams: each message the
   * handler reads). Each must be in the key's scope, or the call fails with
   * `permission_denied` before the handler sees the message.
   */
  accounts?: (message: M) => Iterable<string>;
  /**
   * Where the account is implied rather than named (a media id, a webhook id, a list
   * that filters), the handler checks scope itself; this says how, for the reader.
   */
  handlerScope?: string;
}
