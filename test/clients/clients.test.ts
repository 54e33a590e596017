import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_ADMIN_KEY } from "../support/auth.js";
import { processHarness } from "../support/processes.js";
import { available, goTool, pythonGrpcTool } from "./tools.js";

const ROOT = new URL("../..", import.meta.url).pathname;
const harness = processHarness();
const go = goTool();
const python = pythonGrpcTool();
let base = "";

/** Runs a client's own test program against the sandbox; resolves with its exit code and output. */
function run(cmd: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, WILDCAT_URL: base, WILDCAT_KEY: TEST_ADMIN_KEY, ...env } });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, output }));
  });
}

beforeAll(async () => {
  const gateway = harness.start("src/sandbox.ts", harness.tempDir(), { WILDCAT_ADMIN_KEY: TEST_ADMIN_KEY });
  const ready = await gateway.line((l) => l.includes('"msg":"sandbox ready'));
  base = `http://127.0.0.1:${(JSON.parse(ready) as { port: number }).port}`;
});
afterAll(() => harness.cleanup());

describe("client kinds against a live sandbox gateway", () => {
  it.runIf(available(go, "Go client test"))(
    "when the Go client (connect-go, gen/go) links an account and streams, then it works over gRPC h2c and over Connect",
    async () => {
      const { code, output } = await run(go.path!, ["test", "-count=1", "-v", "./test/clients/go/"]);
      expect(output, output).toMatch(/--- PASS: TestLinkAndStream\/grpc-h2c/);
      expect(output, output).toMatch(/--- PASS: TestLinkAndStream\/connect-json/);
      expect(code, output).toBe(0);
    },
    240_000,
  );

  it.runIf(available(python, "Python client test"))(
    "when the Python client (grpcio, gen/python) links an account and streams, then it receives and answers",
    async () => {
      const { code, output } = await run(python.path!, ["test/clients/python/test_client.py"]);
      expect(output, output).toMatch(/Ran 2 tests/);
      expect(output, output).toMatch(/\nOK\s*$/);
      expect(code, output).toBe(0);
    },
    180_000,
  );
});
