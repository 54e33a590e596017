import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ContactDetailsSchema } from "../../gen/wildcat/v1/contact_pb.js";
import type { ContactRecord } from "../store/contacts.js";

/** A stored contact as the contract shows it. */
export function toContactDetails(c: ContactRecord): MessageInitShape<typeof ContactDetailsSchema> {
  return {
    jid: { jid: c.jid, pnJid: c.pnJid ?? "", lidJid: c.lidJid ?? "" },
    pushName: c.pushName ?? "",
    addressBookName: c.addressBookName ?? "",
    verifiedBusinessName: c.verifiedBusinessName ?? "",
    business: c.business,
    about: c.about ?? "",
    aboutUpdateTime: c.aboutTime && timestampFromDate(c.aboutTime),
    pictureMediaId: c.pictureMediaId ?? "",
    pictureId: c.pictureId ?? "",
    pictureUpdateTime: c.pictureTime && timestampFromDate(c.pictureTime),
    updateTime: timestampFromDate(c.updateTime),
  };
}
