import { Code, ConnectError } from "@connectrpc/connect";

/**
 * Opaque page tokens: base64url JSON of the keyset position, tagged with the list
 * they belong to so a token from one list is refused by another.
 */
export function encodePageToken(list: string, position: string | undefined): string {
  return position === undefined ? "" : Buffer.from(JSON.stringify({ l: list, p: position })).toString("base64url");
}

/** The position in a token, or undefined for the empty (first page) token. */
export function decodePageToken(list: string, token: string): string | undefined {
  if (token === "") return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
    if (isToken(parsed) && parsed.l === list) return parsed.p;
  } catch {
    // fall through to the error below
  }
  throw new ConnectError("page_token is not a token returned by this list", Code.InvalidArgument);
}

function isToken(v: unknown): v is { l: string; p: string } {
  return typeof v === "object" && v !== null && typeof (v as { l: unknown }).l === "string" && typeof (v as { p: unknown }).p === "string";
}

/** The page size to use: the request's, or the default when 0. */
export function pageSize(requested: number, fallback: number): number {
  return requested > 0 ? requested : fallback;
}
