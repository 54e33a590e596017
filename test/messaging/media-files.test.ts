import { createHash, randomBytes } from "node:crypto";
import type { Readable } from "node:stream";
import { GridFSBucket, MongoClient } from "mongodb";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { EventType, type Event } from "../../gen/wildcat/v1/event_pb.js";
import { MediaSource, type Media } from "../../gen/wildcat/v1/media_pb.js";
import { MediaService } from "../../gen/wildcat/v1/media_service_pb.js";
import { MessageType } from "../../gen/wildcat/v1/message_pb.js";
import { SimulatedContact } from "../../src/sim/contact.js";
import type { Simulator } from "../../src/sim/simulator.js";
import { GrpcJsClient } from "../support/clients.js";
import { uniqueDbName } from "../support/ferretdb.js";
import type { TestGateway } from "../support/gateway.js";
import { apiClients, linkAccount, startSimGateway, startTrustedSimulator } from "../support/sim-gateway.js";
import { pngBytes, uploadRequests } from "../media/media-support.js";
import { EventSubscriber } from "./event-subscriber.js";

const mongodbUri = inject("mongodbUri");
const CONTACT_PHONE = "15558400009";
const CONTACT_JID = `${CONTACT_PHONE}@s.whatsapp.net`;

let sim: Simulator;
let contact: SimulatedContact;

beforeAll(async () => {
  sim = await startTrustedSimulator();
  contact = await SimulatedContact.open(sim, CONTACT_PHONE);
}, 60_000);

afterAll(async () => {
  contact?.close();
  await sim?.close();
});

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

async function digest(stream: Readable | AsyncIterable<Uint8Array>): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of stream) hash.update(chunk);
  return hash.digest("hex");
}

interface StoreCase {
  name: string;
  skip: boolean;
  env: () => Record<string, string>;
  /** Reads a stored file back without the gateway's adapter (GridFS: the driver's own bucket). */
  readBack: (gw: TestGateway, mediaId: string) => Promise<string>;
  cleanup: (env: Record<string, string>) => Promise<void>;
}

const stores: StoreCase[] = [
  {
    name: "the embedded store",
    skip: false,
    env: () => ({}),
    readBack: async (gw, mediaId) => digest((await gw.gateway.store.media.open(mediaId))!),
    cleanup: async () => {},
  },
  {
    name: "MongoDB GridFS (FerretDB)",
    skip: !mongodbUri,
    env: () => ({ MONGODB_URI: mongodbUri, MONGODB_DB: uniqueDbName("media_files"), AUTH_STATE_KEY: "c".repeat(64) }),
    readBack: async (gw, mediaId) => {
      const client = await MongoClient.connect(mongodbUri);
      try {
        return await digest(new GridFSBucket(client.db(gw.config.mongodbDb), { bucketName: "media" }).openDownloadStream(mediaId as never));
      } finally {
        await client.close();
      }
    },
    cleanup: async (env) => {
      const client = await MongoClient.connect(mongodbUri);
      await client.db(env.MONGODB_DB).dropDatabase();
      await client.close();
    },
  },
];

stores.forEach((store, i) => {
  describe.skipIf(store.skip)(`files in messages on ${store.name}`, () => {
    const account = `files${i}`;
    const accountPhone = `1555840000${i}`;
    const env = store.env();
    let gw: TestGateway;
    let grpcClient: GrpcJsClient;
    let subscriber: EventSubscriber;

    beforeAll(async () => {
      gw = await startSimGateway(sim, env);
      grpcClient = new GrpcJsClient(`127.0.0.1:${gw.gateway.server.port}`);
      await linkAccount(gw, sim, account, accountPhone);
      subscriber = new EventSubscriber(grpcClient, { accountIds: [account] });
    }, 60_000);

    afterAll(async () => {
      subscriber?.cancel();
      grpcClient?.close();
      await gw?.cleanup();
      await store.cleanup(env);
    });

    it("when the contact sends an image, a voice note and a 10 MiB document, then each is stored with its SHA-256 and its message references it", async () => {
      const { messages } = apiClients(gw);
      const to = `${accountPhone}@s.whatsapp.net`;
      const files = [
        { kind: "image" as const, bytes: randomBytes(40_000), opts: { caption: "receipt" } },
        { kind: "voice_note" as const, bytes: randomBytes(12_000), opts: {} },
        { kind: "document" as const, bytes: randomBytes(10 * 1024 * 1024), opts: { fileName: "catalog.pdf", mimetype: "application/pdf" } },
      ];
      for (const f of files) {
        const id = await contact.sendMedia(to, f.kind, f.bytes, f.opts);
        const isReady = (e: Event) => e.type === EventType.MEDIA_READY && e.payload.case === "media" && e.payload.value.messageId === id;
        const media = (await subscriber.until(isReady, "MEDIA_READY", 60_000)).payload.value as Media;
        const expected = { sha256: sha256(f.bytes), sizeBytes: BigInt(f.bytes.length) };
        expect(media).toMatchObject({ ...expected, source: MediaSource.INBOUND, downloadPath: `/media/${media.mediaId}` });
        const { message } = await messages.getMessage({ accountId: account, chatJid: CONTACT_JID, messageId: id });
        expect(message?.media).toMatchObject({ ...expected, mediaId: media.mediaId });
        expect(await store.readBack(gw, media.mediaId)).toBe(expected.sha256);
      }
      const doc = await messages.listMessages({ accountId: account, chatJid: CONTACT_JID, types: [MessageType.DOCUMENT] });
      expect(doc.messages[0].media?.fileName).toBe("catalog.pdf");
    }, 180_000);

    it("when the account sends an image uploaded over UploadMedia, then DeleteMedia is refused while it uploads and the contact decrypts identical bytes", async () => {
      const { messages, media } = apiClients(gw);
      const image = pngBytes(300_000);
      const { media: uploaded } = await grpcClient.clientStream(
        MediaService.method.uploadMedia,
        uploadRequests({ accountId: account, mimeType: "image/png", fileName: "chart.png", sizeBytes: BigInt(image.length), sha256: sha256(image) }, image, 64 * 1024),
      );
      const mediaId = uploaded!.mediaId;
      const upload = sim.pauseMediaUploads();
      const sending = messages.sendMessage({ accountId: account, to: `+${CONTACT_PHONE}`, content: { case: "image", value: { mediaId, caption: "this week" } } });
      try {
        await upload.arrived;
        const refused = await media.deleteMedia({ mediaId }).then(() => undefined, (e: unknown) => ConnectError.from(e));
        expect(refused?.code).toBe(Code.FailedPrecondition);
      } finally {
        upload.resume();
      }
      const { message } = await sending;
      expect(message).toMatchObject({ type: MessageType.IMAGE, media: { mediaId, sha256: sha256(image), sizeBytes: BigInt(image.length) } });

      await contact.waitForMessage((m) => m.messageId === message!.messageId);
      expect(sha256(await contact.download(message!.messageId))).toBe(sha256(image));
      await media.deleteMedia({ mediaId });
      expect(await gw.gateway.store.media.get(mediaId)).toBeUndefined();
    }, 120_000);
  });
});
