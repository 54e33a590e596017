import { Code, ConnectError } from "@connectrpc/connect";

/** A failure as a person wants to read it: what failed, why, and what to do now. Never a stack trace. */
export interface Problem {
  title: string;
  detail: string;
  todo: string;
}

/** Describes `error` from the call that did `what` ("Sending the message"). */
export function describe(what: string, error: unknown): Problem {
  const e = ConnectError.from(error);
  const said = e.rawMessage;
  const title = `${what} failed`;
  switch (e.code) {
    case Code.Unauthenticated:
      return { title, detail: `The gateway did not accept the API key (${said}).`, todo: "Sign in again with a valid key: the admin key is in DATA_DIR/admin.key." };
    case Code.PermissionDenied:
      return { title, detail: `This API key is not allowed to do that (${said}).`, todo: "Use a key with the needed permission and account scope, or ask an admin for one." };
    case Code.ResourceExhausted:
      return { title, detail: said, todo: "Wait a moment and try again." };
    case Code.InvalidArgument:
      return { title, detail: `The gateway refused the input: ${said}.`, todo: "Correct the highlighted value and try again." };
    case Code.NotFound:
      return { title, detail: said, todo: "Check the name or number; the list may be out of date (reload the page)." };
    case Code.AlreadyExists:
      return { title, detail: said, todo: "Pick another id, or open the existing one from the list." };
    case Code.FailedPrecondition:
      return { title, detail: said, todo: "Connect the account and wait until it shows CONNECTED, then try again." };
    case Code.Unavailable:
    case Code.Unknown:
    case Code.Canceled:
      return { title, detail: "The gateway could not be reached, or the connection dropped.", todo: "Check that the gateway is running and reachable, then try again." };
    case Code.DeadlineExceeded:
      return { title, detail: "The gateway took too long to answer.", todo: "Try again; if it keeps happening, check the gateway's logs." };
    default:
      return { title, detail: `The gateway answered: ${said || Code[e.code]}.`, todo: "Try again; if it keeps failing, check the gateway's logs (each call is logged with its request id)." };
  }
}
