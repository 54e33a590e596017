import { Presence } from "../../gen/wildcat/v1/message_service_pb.js";
import { ClusterFixture, type ClusterNode } from "../cluster/cluster-fixture.js";
import { findFerretDbBinary, startFerretDb } from "../support/ferretdb.js";

/**
 * `npm run bench:cluster` (issue 13): real processes (a standalone simulator and sandbox gateways in
 * cluster mode on a FerretDB of its own). Prints, as JSON lines:
 *  - forwarded vs local unary calls: SendPresence (it needs the account's socket) on the owner
 *    and on another node, which forwards it; latency of each and the ratio;
 *  - takeover: one gateway SIGKILLed, time until each of its accounts is CONNECTED on a survivor.
 * BENCH_CALLS (default 200), BENCH_ACCOUNTS (default 4), BENCH_TTL_MS (ACCOUNT_LEASE_TTL_MS, default 5000).
 */
const CALLS = Number(process.env.BENCH_CALLS ?? 200);
const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 4);
const TTL_MS = Number(process.env.BENCH_TTL_MS ?? 5_000);

const binary = findFerretDbBinary();
if (!binary) throw new Error("bench:cluster needs FerretDB (.ci/install-ferretdb.sh, or FERRETDB_BIN)");
const ferret = await startFerretDb(binary);
const c = new ClusterFixture();
try {
  await c.start({ mongodbUri: ferret.uri, nodes: 3, ttlMs: TTL_MS });
  const ids = Array.from({ length: ACCOUNTS }, (_, i) => `bench${i}`);
  await Promise.all(ids.map((id, i) => c.link(c.nodes[i % 3], id, `+1555475${String(i).padStart(4, "0")}`)));
  const ownerOf = async (id: string) => (await c.nodes[0].accounts.getAccount({ accountId: id })).account!.owner;

  // Forwarded vs local: the same call on the owner and on a node that forwards it.
  const account = ids[0];
  const ownerUrl = await ownerOf(account);
  const owner = c.nodes.find((n) => n.url === ownerUrl)!;
  const other = c.nodes.find((n) => n !== owner)!;
  const presence = (node: ClusterNode) => node.messages.sendPresence({ accountId: account, presence: Presence.AVAILABLE });
  for (let i = 0; i < 20; i++) await Promise.all([presence(owner), presence(other)]); // warm up both paths
  const measure = async (node: ClusterNode) => {
    const ms: number[] = [];
    for (let i = 0; i < CALLS; i++) {
      const t = performance.now();
      await presence(node);
      ms.push(performance.now() - t);
    }
    ms.sort((a, b) => a - b);
    return { meanMs: round(ms.reduce((a, b) => a + b, 0) / ms.length), p50Ms: round(ms[Math.floor(ms.length / 2)]), p99Ms: round(ms[Math.floor(ms.length * 0.99)]) };
  };
  const local = await measure(owner);
  const forwarded = await measure(other);
  console.log(JSON.stringify({ bench: "unary SendPresence", calls: CALLS, local, forwarded, ratioMean: round(forwarded.meanMs / local.meanMs), ratioP50: round(forwarded.p50Ms / local.p50Ms) }));

  // Takeover: SIGKILL the node that owns the most accounts.
  const owners = new Map<string, string[]>();
  for (const id of ids) {
    const url = await ownerOf(id);
    owners.set(url, [...(owners.get(url) ?? []), id]);
  }
  const victimUrl = [...owners].sort((a, b) => b[1].length - a[1].length)[0][0];
  const victim = c.nodes.find((n) => n.url === victimUrl)!;
  const survivor = c.nodes.find((n) => n !== victim)!;
  const accounts = owners.get(victimUrl)!;
  const killedAt = performance.now();
  victim.process.child.kill("SIGKILL");
  const each = await Promise.all(accounts.map(async (id) => (await c.connectedElsewhere(survivor, id, victimUrl, 10 * TTL_MS + 60_000), round(performance.now() - killedAt))));
  console.log(JSON.stringify({ bench: "takeover after SIGKILL", ttlMs: TTL_MS, accounts: accounts.length, firstMs: Math.min(...each), lastMs: Math.max(...each), lastInTtls: round(Math.max(...each) / TTL_MS) }));
} finally {
  await c.stop();
  await ferret.stop();
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
