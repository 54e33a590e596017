import { createContextValues, type ContextValues, type Interceptor } from "@connectrpc/connect";
import { principalKey, type Principal } from "../../src/auth/principal.js";

/**
 * The admin key every test gateway is started with (WILDCAT_ADMIN_KEY), so tests
 * can authenticate without reading the key file. Format: wck_<16 hex id>_<43 base64url secret>.
 */
export const TEST_ADMIN_KEY = "wck_00000000000000a1_VGVzdEFkbWluS2V5Rm9yV2lsZGNhdFRlc3RzT25seTA";

/** `authorization` header value for the test admin key. */
export const TEST_AUTH_HEADER = `Bearer ${TEST_ADMIN_KEY}`;

/** A client interceptor that sends `key` (by default the test admin key) on every call. */
export function bearer(key: string = TEST_ADMIN_KEY): Interceptor {
  return (next) => (req) => {
    req.header.set("authorization", `Bearer ${key}`);
    return next(req);
  };
}

const ADMIN: Principal = {
  keyId: "00000000000000ad",
  name: "in-memory admin",
  permissions: new Set(["admin"]),
  scope: "all",
  ratePerSecond: 0,
  signal: new AbortController().signal,
};

/**
 * For services tested through an in-memory router without the auth interceptor: every call
 * runs as an admin of all accounts (authorization itself is tested through the real server).
 */
export function asAdmin(): Interceptor {
  return (next) => (req) => {
    req.contextValues.set(principalKey, ADMIN);
    return next(req);
  };
}

/** Context values of a handler called directly, as an admin of all accounts. */
export function adminContextValues(): ContextValues {
  return createContextValues().set(principalKey, ADMIN);
}
