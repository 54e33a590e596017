import { Code, ConnectError } from "@connectrpc/connect";
import { NotWaitingForLoginError, SandboxMixError } from "../whatsapp/account-session.js";
import { AccountNotConnectedError, AccountNotFoundError } from "../whatsapp/socket-manager.js";

/** Domain errors of the socket manager as the codes a client can act on. */
export function mapError(e: unknown): unknown {
  if (e instanceof AccountNotFoundError) return new ConnectError(e.message, Code.NotFound);
  if (e instanceof NotWaitingForLoginError || e instanceof SandboxMixError || e instanceof AccountNotConnectedError) {
    return new ConnectError(e.message, Code.FailedPrecondition);
  }
  return e;
}

export function mapErrors<T>(p: Promise<T>): Promise<T> {
  return p.catch((e: unknown) => {
    throw mapError(e);
  });
}
