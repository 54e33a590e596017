// A gateway in its own process, so that its RSS is the server's alone. Configured by the
// environment like production (DATA_DIR, MONGODB_URI, MEDIA_MAX_BYTES, …). Prints
// {"port":N}, then answers stdin lines: "baseline" (GC, take the baseline, start sampling RSS
// every 5 ms; prints {"ok":true}) and "report" (prints the peak growth, stops, exits).
import { createInterface } from "node:readline";
import { startTestGateway } from "../../support/gateway.js";

const mib = 1024 * 1024;
const gw = await startTestGateway(process.env as Record<string, string>);
const now = new Date();
await gw.gateway.store.accounts.create({ accountId: "acc", displayName: "", state: "disconnected", createTime: now, updateTime: now });
console.log(JSON.stringify({ port: gw.gateway.server.port }));

const gc = (globalThis as { gc?: () => void }).gc;
let baseline = 0;
let peak = 0;
let sampler: NodeJS.Timeout | undefined;
const sample = () => {
  const rss = process.memoryUsage().rss;
  if (rss > peak) peak = rss;
};
for await (const line of createInterface({ input: process.stdin })) {
  if (line === "baseline") {
    gc?.();
    baseline = process.memoryUsage().rss;
    peak = baseline;
    sampler = setInterval(sample, 5);
    console.log(JSON.stringify({ ok: true }));
  } else if (line === "report") {
    clearInterval(sampler);
    sample();
    console.log(JSON.stringify({ baselineMiB: baseline / mib, peakGrowthMiB: (peak - baseline) / mib }));
    break;
  }
}
clearInterval(sampler);
await gw.cleanup();
