import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AccountService } from "../../gen/wildcat/v1/account_service_pb.js";
import { startTestGateway, type TestGateway } from "../support/gateway.js";
import { bearer } from "../support/auth.js";
import { TEST_AUTH_HEADER } from "../support/auth.js";

const MAX_REQUEST_BYTES = 2048;
const MAX_TIMEOUT_MS = 60_000;
let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway({ MAX_REQUEST_BYTES: String(MAX_REQUEST_BYTES), MAX_TIMEOUT_MS: String(MAX_TIMEOUT_MS) });
});
afterAll(() => gw.cleanup());

/** A CreateAccount JSON body of exactly `size` bytes (padded with spaces, which JSON ignores). */
function bodyOfSize(size: number, accountId: string): string {
  const json = JSON.stringify({ accountId });
  return json + " ".repeat(size - json.length);
}

async function post(body: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${gw.baseUrl}/wildcat.v1.AccountService/CreateAccount`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: TEST_AUTH_HEADER, ...headers },
    body,
  });
  return { status: res.status, body: (await res.json()) as { code?: string; message?: string } };
}

describe("configured limits", () => {
  it("when a request is exactly MAX_REQUEST_BYTES, then it is accepted", async () => {
    expect((await post(bodyOfSize(MAX_REQUEST_BYTES, "at-limit"))).status).toBe(200);
  });

  it("when a request is MAX_REQUEST_BYTES + 1, then it is refused with resource_exhausted", async () => {
    const res = await post(bodyOfSize(MAX_REQUEST_BYTES + 1, "over-limit"));
    expect(res.body.code).toBe("resource_exhausted");
  });

  it("when a call asks for a deadline of MAX_TIMEOUT_MS, then it is served", async () => {
    const client = createClient(AccountService, createConnectTransport({ baseUrl: gw.baseUrl, httpVersion: "1.1", interceptors: [bearer()] }));
    await client.createAccount({ accountId: "deadline-ok" }, { timeoutMs: MAX_TIMEOUT_MS });
  });

  it("when a call asks for a deadline over MAX_TIMEOUT_MS, then it is refused with invalid_argument", async () => {
    const client = createClient(AccountService, createConnectTransport({ baseUrl: gw.baseUrl, httpVersion: "1.1", interceptors: [bearer()] }));
    const err = await client.createAccount({ accountId: "deadline-long" }, { timeoutMs: MAX_TIMEOUT_MS + 1 }).catch((e: unknown) => ConnectError.from(e));
    expect(err).toMatchObject({ code: Code.InvalidArgument });
  });
});
