import { isLidUser, isPnUser, jidNormalizedUser, type WASocket } from "@whiskeysockets/baileys";

/**
 * A user JID (either form) with its other form where the account's LID mapping knows it, each at
 * user level. A JID of neither form (a group) gives neither.
 */
export async function jidForms(sock: WASocket, jid: string): Promise<{ pnJid?: string; lidJid?: string }> {
  const mapping = sock.signalRepository.lidMapping;
  const user = jidNormalizedUser(jid);
  if (isLidUser(user)) {
    const pn = await mapping.getPNForLID(user);
    return pn ? { pnJid: jidNormalizedUser(pn), lidJid: user } : { lidJid: user };
  }
  if (isPnUser(user)) {
    const lid = await mapping.getLIDForPN(user);
    return lid ? { pnJid: user, lidJid: jidNormalizedUser(lid) } : { pnJid: user };
  }
  return {};
}
