// Issue 17, P6: SendMessage through the RPC against bare Baileys `sendMessage` on the same socket,
// in one process against the in-process simulator: messages per second, each counted once the
// contact's device has receipted it (DELIVERY_ACK), with 8 in flight; text and a 1 MiB image
// (uploaded once over UploadMedia for the RPC; handed to Baileys as bytes for the baseline).
// Rounds alternate baseline and RPC; the ratio is RPC / baseline (goal ≥ 0.8).
//   npm run bench:send            (BENCH_TEXTS=200 BENCH_IMAGES=20 BENCH_ROUNDS=2 by default)
import { createHash } from "node:crypto";
import { pino } from "pino";
import type { WASocket } from "@whiskeysockets/baileys";
import { SimulatedContact } from "../../src/sim/contact.js";
import { pngBytes, uploadRequests } from "../media/media-support.js";
import { apiClients, linkAccount, startSimGateway, startTrustedSimulator } from "../support/sim-gateway.js";

const TEXTS = Number(process.env.BENCH_TEXTS ?? 200);
const IMAGES = Number(process.env.BENCH_IMAGES ?? 20);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const IN_FLIGHT = 8;
const ACCOUNT = "bench";
const PHONE = "15558800001";
const CONTACT = "15558800002";

const sim = await startTrustedSimulator();
const gw = await startSimGateway(sim, { SEND_RATE_PER_MINUTE: "100000", LOG_LEVEL: "warn" });
try {
  await linkAccount(gw, sim, ACCOUNT, PHONE);
  const contact = await SimulatedContact.open(sim, CONTACT, { logger: pino({ level: "silent" }) });
  const sock = await gw.gateway.sockets.connectedSocket(ACCOUNT);
  const delivered = deliveries(sock);
  const { messages, media } = apiClients(gw);
  const to = `${CONTACT}@s.whatsapp.net`;

  // Sessions both ways before anything is timed.
  await contact.sendText(`${PHONE}@s.whatsapp.net`, "hello");
  await delivered.of((await sock.sendMessage(to, { text: "warm-up" }))!.key.id!);

  const image = pngBytes(1024 * 1024);
  const { media: uploaded } = await media.uploadMedia(
    uploadRequests({ accountId: ACCOUNT, mimeType: "image/png", fileName: "bench.png", sizeBytes: BigInt(image.length), sha256: createHash("sha256").update(image).digest("hex") }, image, 64 * 1024),
  );

  const kinds = {
    text: {
      count: TEXTS,
      baseline: async (i: number) => (await sock.sendMessage(to, { text: `baseline ${i}` }))!.key.id!,
      rpc: async (i: number) => (await messages.sendMessage({ accountId: ACCOUNT, to: `+${CONTACT}`, content: { case: "text", value: { body: `rpc ${i}` } } })).message!.messageId,
    },
    "1 MiB image": {
      count: IMAGES,
      baseline: async () => (await sock.sendMessage(to, { image, mimetype: "image/png" }))!.key.id!,
      rpc: async () => (await messages.sendMessage({ accountId: ACCOUNT, to: `+${CONTACT}`, content: { case: "image", value: { mediaId: uploaded!.mediaId } } })).message!.messageId,
    },
  };
  for (const [kind, k] of Object.entries(kinds)) {
    const rates = { baseline: [] as number[], rpc: [] as number[] };
    for (let r = 0; r < ROUNDS; r++) {
      for (const path of ["baseline", "rpc"] as const) rates[path].push(await rate(k.count, k[path], delivered));
    }
    const best = (xs: number[]) => Math.max(...xs);
    console.log(
      `${kind}: baseline (Baileys sendMessage) ${best(rates.baseline).toFixed(1)} msg/s, SendMessage RPC ${best(rates.rpc).toFixed(1)} msg/s ` +
        `→ ${(best(rates.rpc) / best(rates.baseline)).toFixed(2)}× (best of ${ROUNDS}; rounds: baseline ${rates.baseline.map((x) => x.toFixed(1)).join(", ")}; rpc ${rates.rpc.map((x) => x.toFixed(1)).join(", ")})`,
    );
  }
  contact.close();
} finally {
  await gw.cleanup();
  await sim.close();
}

/** Messages per second for `count` sends through `send`, `IN_FLIGHT` at a time, each done once receipted. */
async function rate(count: number, send: (i: number) => Promise<string>, delivered: ReturnType<typeof deliveries>): Promise<number> {
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      await delivered.of(await send(i));
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  return count / ((performance.now() - started) / 1000);
}

/** Resolves `of(id)` once the socket saw the message delivered (or read) to the contact. */
function deliveries(sock: WASocket) {
  const seen = new Set<string>();
  const waiting = new Map<string, () => void>();
  sock.ev.on("messages.update", (updates) => {
    for (const { key, update } of updates) {
      if (!key.id || (update.status ?? 0) < 3) continue;
      seen.add(key.id);
      waiting.get(key.id)?.();
    }
  });
  return {
    of: (id: string) =>
      new Promise<void>((resolve) => {
        if (seen.has(id)) return resolve();
        waiting.set(id, () => (waiting.delete(id), resolve()));
      }),
  };
}
