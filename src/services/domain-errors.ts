import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorInfoSchema } from "../../gen/google/rpc/error_details_pb.js";
import { NotWaitingForLoginError, SandboxMixError } from "../whatsapp/account-session.js";
import { AccountNotConnectedError, AccountNotFoundError, AccountOwnedElsewhereError, ProcessFullError } from "../whatsapp/socket-manager.js";
import { StaleLeaseError } from "../store/leases.js";
import { isBoom, whatsappCode } from "../whatsapp/whatsapp-error-code.js";

/** Domain errors of the socket manager as the codes a client can act on. */
export function mapError(e: unknown): unknown {
  if (e instanceof AccountNotFoundError) return new ConnectError(e.message, Code.NotFound);
  if (e instanceof NotWaitingForLoginError || e instanceof SandboxMixError || e instanceof AccountNotConnectedError) {
    return new ConnectError(e.message, Code.FailedPrecondition);
  }
  // Cluster mode: ownership moved while the call ran; a retry reaches the new owner.
  if (e instanceof AccountOwnedElsewhereError || e instanceof StaleLeaseError) return new ConnectError(e.message, Code.Unavailable);
  if (e instanceof ProcessFullError) return new ConnectError(e.message, Code.ResourceExhausted);
  return e;
}

export function mapErrors<T>(p: Promise<T>): Promise<T> {
  return p.catch((e: unknown) => {
    throw mapError(e);
  });
}

/**
 * A WhatsApp refusal as the code a client can act on, keeping WhatsApp's own reason in the
 * message and in an ErrorInfo detail (domain "whatsapp", metadata code and text). `what`
 * says what was asked ("adding members to 1203…@g.us"); `codes` overrides the defaults per
 * call (e.g. 406 for an invite code means not found).
 */
export function whatsappError(e: unknown, what: string, codes: Partial<Record<number, readonly [Code, string]>> = {}): unknown {
  const waCode = whatsappCode(e);
  if (waCode === undefined || !isBoom(e)) return mapError(e);
  const [code, hint] = codes[waCode] ?? DEFAULT_CODES[waCode] ?? [Code.Unavailable, "WhatsApp failed"];
  return new ConnectError(`${what}: ${hint} (WhatsApp: ${waCode} ${e.message})`, code, undefined, [
    { desc: ErrorInfoSchema, value: { reason: "WHATSAPP_REFUSED", domain: "whatsapp", metadata: { code: String(waCode), text: e.message } } },
  ]);
}

const DEFAULT_CODES: Record<number, readonly [Code, string]> = {
  400: [Code.InvalidArgument, "WhatsApp refused the request as malformed"],
  401: [Code.PermissionDenied, "WhatsApp refused: not allowed"],
  403: [Code.PermissionDenied, "WhatsApp refused: the account is not allowed to do this (not an admin, or not a member)"],
  404: [Code.NotFound, "WhatsApp does not know it"],
  406: [Code.FailedPrecondition, "WhatsApp refused it as not acceptable"],
  408: [Code.Unavailable, "WhatsApp did not answer in time"],
  409: [Code.AlreadyExists, "WhatsApp refused it as a conflict"],
  428: [Code.Unavailable, "the connection to WhatsApp closed; retry once the account is connected"],
  429: [Code.ResourceExhausted, "WhatsApp is rate limiting the account"],
  500: [Code.Unavailable, "WhatsApp failed"],
};
