import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AccountService } from "../../gen/wildcat/v1/account_service_pb.js";
import { MediaService } from "../../gen/wildcat/v1/media_service_pb.js";
import { MessageService } from "../../gen/wildcat/v1/message_service_pb.js";
import { SandboxService } from "../../gen/wildcat/v1/sandbox_service_pb.js";
import { WebhookService } from "../../gen/wildcat/v1/webhook_service_pb.js";
import { ChatService } from "../../gen/wildcat/v1/chat_service_pb.js";
import { CallService } from "../../gen/wildcat/v1/call_service_pb.js";
import { ContactService } from "../../gen/wildcat/v1/contact_service_pb.js";
import { ProfileService } from "../../gen/wildcat/v1/profile_service_pb.js";
import { GroupService } from "../../gen/wildcat/v1/group_service_pb.js";
import { TEST_ADMIN_KEY } from "../support/auth.js";
import { processHarness } from "../support/processes.js";
import { available, goTool, pythonGrpcTool } from "./tools.js";
import { ApiKeyService } from "../../gen/wildcat/v1/api_key_service_pb.js";
import { ClusterService } from "../../gen/wildcat/v1/cluster_service_pb.js";

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

describe("GET /openapi.yaml (generated from the protos by buf generate)", () => {
  it("when every path of the spec is called as Connect JSON, then each is served by its RPC, and every unary RPC has a path", async () => {
    const res = await fetch(`${base}/openapi.yaml`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/yaml/);
    const spec = await res.text();
    expect(spec).toMatch(/^openapi: 3\./m);
    const paths = [...spec.matchAll(/^ {4}(\/\S+):$/gm)].map((m) => m[1]);
    const unary = [AccountService, MessageService, MediaService, WebhookService, ApiKeyService, GroupService, ContactService, ProfileService, ChatService, CallService, ClusterService, SandboxService].flatMap((s) =>
      s.methods.filter((m) => m.methodKind === "unary").map((m) => `/${s.typeName}/${m.name}`),
    );
    expect(paths.sort()).toEqual(unary.sort());
    for (const path of paths) {
      expect(spec, path).toMatch(new RegExp(`^ {4}${path.replace(/\./g, "\\.")}:\\n {8}post:`, "m"));
      // An empty request: most RPCs refuse it (invalid_argument, not_found), a few answer it; none
      // may be missing (404 "no route", unimplemented) or fail inside (internal).
      const answer = await fetch(`${base}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${TEST_ADMIN_KEY}` },
        body: "{}",
      });
      const body = (await answer.json()) as { code?: string };
      expect(answer.headers.get("content-type"), path).toMatch(/^application\/json/);
      if (answer.status !== 200) expect(["invalid_argument", "not_found", "failed_precondition", "permission_denied", "out_of_range"], `${path}: ${JSON.stringify(body)}`).toContain(body.code);
    }
  });
});
