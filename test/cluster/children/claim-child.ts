import { createInterface } from "node:readline";
import { pino } from "pino";
import { systemClock } from "../../../src/clock.js";
import { Ownership } from "../../../src/cluster/ownership.js";
import { openChildStore } from "../../store/children/open-child-store.js";

/**
 * One claimer of the lease race: opens the store it is pointed at, says "ready", waits for
 * "go" on stdin (so every claimer starts together), claims ACCOUNT, prints the outcome as JSON.
 */
const store = await openChildStore();
const ownership = new Ownership(store.leases, store.accounts, systemClock, pino({ level: "silent" }), {
  advertiseUrl: `http://claimer-${process.pid}`,
  ttlMs: 60_000,
  maxAccounts: 10,
});
process.stdout.write("ready\n");
const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (line !== "go") continue;
  const lease = await ownership.claim(process.env.ACCOUNT!);
  process.stdout.write(`${JSON.stringify({ holder: ownership.holder, epoch: lease?.epoch ?? null })}\n`);
  break;
}
lines.close();
await store.close();
