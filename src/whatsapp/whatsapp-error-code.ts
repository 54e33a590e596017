/** An error Baileys raised for a WhatsApp answer: `data` is the iq error's code, `statusCode` a transport failure's. */
interface BoomLike {
  isBoom: true;
  message: string;
  data?: unknown;
  output?: { statusCode?: number };
}

/** Whether Baileys raised `e` (a Boom) rather than our own code. */
export function isBoom(e: unknown): e is BoomLike {
  return typeof e === "object" && e !== null && (e as { isBoom?: unknown }).isBoom === true;
}

/** WhatsApp's code for a failed query (an iq error code, or Baileys' own: 408 timed out, 428 connection closed). */
export function whatsappCode(e: unknown): number | undefined {
  if (!isBoom(e)) return undefined;
  return typeof e.data === "number" ? e.data : e.output?.statusCode;
}
