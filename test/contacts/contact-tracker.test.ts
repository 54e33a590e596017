import { EventEmitter } from "node:events";
import { fromBinary } from "@bufbuild/protobuf";
import { makeEventBuffer, type WASocket } from "@whiskeysockets/baileys";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, inject, it } from "vitest";
import { EventSchema } from "../../gen/wildcat/v1/event_pb.js";
import { ContactTracker } from "../../src/contacts/contact-tracker.js";
import type { Store } from "../../src/store/store.js";
import { mongoAdapter, sqliteAdapter, type Adapter, type AdapterFactory } from "../store/harness.js";
import { ManualClock } from "../support/manual-clock.js";

const uri = inject("mongodbUri");
const PN = "15550002222@s.whatsapp.net";
const LID = "81230002222@lid";

/**
 * What WhatsApp's contact sync (and history sync) hands Baileys as `contacts.upsert`: the simulator
 * does not sync address books yet, so these events come from Baileys' own event emitter on a socket
 * that knows the LID mapping, and the tracker under test is the gateway's.
 */
function syncedSocket(): WASocket {
  return {
    ev: makeEventBuffer(pino({ level: "silent" })),
    ws: new EventEmitter(),
    user: { id: "15550000000:1@s.whatsapp.net", lid: "81230000000:1@lid" },
    signalRepository: {
      lidMapping: {
        getPNForLID: async (lid: string) => (lid === LID ? PN : null),
        getLIDForPN: async (pn: string) => (pn === PN ? LID : null),
      },
    },
  } as unknown as WASocket;
}

function trackerContract(name: string, factory: AdapterFactory): void {
  describe(`ContactTracker on ${name}`, () => {
    let adapter: Adapter;
    let store: Store;
    let tracker: ContactTracker;
    beforeEach(async () => {
      adapter = await factory();
      store = await adapter.open();
      tracker = new ContactTracker({ ...store, clock: new ManualClock(Date.UTC(2026, 0, 1)), logger: pino({ level: "silent" }), maxPictureBytes: 1000 });
    });
    afterEach(async () => {
      await store.close();
      await adapter.cleanup();
    });

    it("when WhatsApp syncs address-book contacts, then each is stored once with its name, both JID forms and business name, and announced once", async () => {
      const sock = syncedSocket();
      tracker.attach("a", sock);
      const synced = [{ id: LID, name: "Dora (deli)", notify: "Dora", verifiedName: "Dora's Deli Ltd" }];
      sock.ev.emit("contacts.upsert", synced);
      sock.ev.emit("contacts.upsert", synced); // a repeat changes nothing
      sock.ev.emit("contacts.upsert", [{ id: "15550000000@s.whatsapp.net", name: "Me" }]); // the account itself is no contact
      await tracker.idle();
      expect(await store.contacts.get("a", PN)).toMatchObject({
        jid: PN,
        pnJid: PN,
        lidJid: LID,
        addressBookName: "Dora (deli)",
        pushName: "Dora",
        verifiedBusinessName: "Dora's Deli Ltd",
        business: true,
      });
      expect((await store.contacts.list({ accountId: "a", pageSize: 10 })).contacts).toHaveLength(1);
      const { events } = await store.events.read({ filter: { types: ["contact_updated"] }, limit: 10 });
      expect(events).toHaveLength(1);
      const update = fromBinary(EventSchema, events[0].payload).payload;
      expect(update.case).toBe("contactUpdate");
      expect(update.case === "contactUpdate" && [...update.value.changedFields].sort()).toEqual(["address_book_name", "business", "jid", "push_name", "verified_business_name"]);
    });
  });
}

trackerContract("SQLite", sqliteAdapter);
describe.skipIf(!uri)("MongoDB", () => trackerContract("MongoDB", mongoAdapter(uri)));
