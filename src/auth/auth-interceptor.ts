import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import type { Logger } from "../logger.js";
import { peerOf } from "../server/raw-request.js";
import type { Authenticator } from "./authenticator.js";
import { hasPermission, principalKey, requireAccount, type Principal } from "./principal.js";
import type { RpcRule } from "./rule.js";
import { OPEN_SERVICES, RULES } from "./rules.js";

/**
 * Authenticates and authorizes every call, between logging and validation: open services
 * pass; every other method needs its rule in `rules.ts` (none: refused), a working key with
 * the rule's permission, and every account its request names in the key's scope. The key's
 * principal goes into the handler's context, and its revocation aborts the call's signal, so
 * open streams end with `unauthenticated`.
 */
export function authInterceptor(authenticator: Authenticator, logger: Logger, rules: ReadonlyMap<string, RpcRule> = RULES): Interceptor {
  return (next) => async (req) => {
    if (OPEN_SERVICES.has(req.service.typeName)) return next(req);
    const name = `${req.service.typeName}/${req.method.name}`;
    const rule = rules.get(name);
    if (!rule) {
      logger.error({ rpc: name }, "no authorization rule for this method: refused");
      throw new ConnectError(`${name} has no authorization rule`, Code.PermissionDenied);
    }
    const principal = await authenticator.authenticate(req.header.get("authorization"), peerOf(req.contextValues));
    if (!hasPermission(principal, rule.permission)) {
      throw new ConnectError(`API key ${principal.keyId} lacks the permission ${rule.permission.toUpperCase()} that ${req.method.name} needs`, Code.PermissionDenied);
    }
    req.contextValues.set(principalKey, principal);
    if (!req.stream) {
      if (rule.accounts) for (const id of rule.accounts(req.message)) requireAccount(principal, id);
      return next(req);
    }
    const signal = AbortSignal.any([req.signal, principal.signal]);
    const release = authenticator.keys.holdForStream(principal);
    try {
      const res = await next({ ...req, signal, message: rule.accounts ? checkEach(req.message, rule, principal) : req.message });
      return res.stream ? { ...res, message: releasing(res.message, release) } : (release(), res);
    } catch (e) {
      release();
      throw e;
    }
  };
}

/** The request messages of a stream, each checked against the key's scope as the handler reads it. */
async function* checkEach<T>(messages: AsyncIterable<T>, rule: RpcRule, principal: Principal): AsyncIterable<T> {
  for await (const m of messages) {
    for (const id of rule.accounts!(m)) requireAccount(principal, id);
    yield m;
  }
}

async function* releasing<T>(messages: AsyncIterable<T>, release: () => void): AsyncIterable<T> {
  try {
    yield* messages;
  } finally {
    release();
  }
}
