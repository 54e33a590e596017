import { Readable } from "node:stream";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, ConnectError, createClient, createRouterTransport, type Client } from "@connectrpc/connect";
import { createValidateInterceptor } from "@connectrpc/validate";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AccountState, MediaDownloadMode } from "../../gen/wildcat/v1/account_pb.js";
import { AccountService } from "../../gen/wildcat/v1/account_service_pb.js";
import { MessageType } from "../../gen/wildcat/v1/message_pb.js";
import { loggingInterceptor } from "../../src/server/interceptors.js";
import { AccountServiceImpl } from "../../src/services/account-service.js";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import type { Store } from "../../src/store/store.js";
import { SocketManager } from "../../src/whatsapp/socket-manager.js";
import { ManualClock } from "../support/manual-clock.js";
import { asAdmin } from "../support/auth.js";

let dir: string;
let store: Store;
let clock: ManualClock;
let client: Client<typeof AccountService>;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "wildcat-svc-"));
  store = openSqliteStore(dir);
  clock = new ManualClock(Date.parse("2026-01-01T00:00:00Z"));
  const logger = pino({ level: "silent" });
  const sockets = new SocketManager(store, clock, logger, {
    backoff: { baseMs: 1, maxMs: 1, maxAttempts: 1 },
    restoreConcurrency: 1,
    watchBuffer: 8,
    socketOptions: {},
  });
  // The router in memory, with the production interceptors.
  const transport = createRouterTransport((router) => router.service(AccountService, new AccountServiceImpl(store.accounts, sockets, clock, [store.messages, store.media, store.chats, store.groups])), {
    router: { interceptors: [loggingInterceptor(logger), asAdmin(), createValidateInterceptor()] },
  });
  client = createClient(AccountService, transport);
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const failure = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => ConnectError.from(e));

describe("AccountService", () => {
  it("when accounts are listed in pages, then every account appears once, in id order, and the last page has no token", async () => {
    const ids = Array.from({ length: 7 }, (_, i) => `acct-${i}`);
    for (const id of [...ids].reverse()) await client.createAccount({ accountId: id });
    const seen: string[] = [];
    let pageToken = "";
    let pages = 0;
    do {
      const page = await client.listAccounts({ pageSize: 3, pageToken });
      seen.push(...page.accounts.map((a) => a.accountId));
      pageToken = page.nextPageToken;
      pages++;
    } while (pageToken);
    expect(seen).toEqual(ids);
    expect(pages).toBe(3);
  });

  it("when a page token was not made by the server, then the list fails with invalid_argument", async () => {
    expect(await failure(client.listAccounts({ pageToken: "garbage" }))).toMatchObject({ code: Code.InvalidArgument });
  });

  it("when page_size is over 1000, then validation refuses it", async () => {
    expect(await failure(client.listAccounts({ pageSize: 1001 }))).toMatchObject({ code: Code.InvalidArgument });
  });

  it("when the display name is updated by mask, then only it changes and update_time advances", async () => {
    const { account: created } = await client.createAccount({ accountId: "upd", displayName: "Old" });
    clock.advance(1000);
    const { account } = await client.updateAccount({ account: { accountId: "upd", displayName: "New" }, updateMask: { paths: ["display_name"] } });
    expect(account).toMatchObject({ displayName: "New", state: created!.state, createTime: created!.createTime });
    expect(account!.updateTime!.seconds).toBe(created!.updateTime!.seconds + 1n);
  });

  it("when the mask is empty, then nothing changes", async () => {
    const { account: created } = await client.createAccount({ accountId: "same", displayName: "Kept" });
    const { account } = await client.updateAccount({ account: { accountId: "same", displayName: "Ignored" } });
    expect(account).toEqual(created);
  });

  it("when an account is created with a media download policy, then it is kept, changes by mask and returns to the default when unset", async () => {
    const policy = { mode: MediaDownloadMode.ALL, types: [MessageType.IMAGE, MessageType.VOICE_NOTE], maxBytes: 1_000_000n };
    const { account: created } = await client.createAccount({ accountId: "media", mediaDownload: policy });
    expect(created?.mediaDownload).toMatchObject(policy);
    expect((await client.getAccount({ accountId: "media" })).account?.mediaDownload).toMatchObject(policy);

    const none = { mode: MediaDownloadMode.NONE, types: [], maxBytes: 0n };
    const { account: updated } = await client.updateAccount({ account: { accountId: "media", displayName: "ignored", mediaDownload: none }, updateMask: { paths: ["media_download"] } });
    expect(updated).toMatchObject({ displayName: "", mediaDownload: none });
    expect((await store.accounts.get("media"))?.mediaDownload).toEqual({ mode: "none", types: [], maxBytes: 0 });

    const { account: reset } = await client.updateAccount({ account: { accountId: "media" }, updateMask: { paths: ["media_download"] } });
    expect(reset?.mediaDownload).toBeUndefined();
    expect(await store.accounts.get("media")).not.toHaveProperty("mediaDownload");
  });

  it("when a media download policy names a kind without a file or has no mode, then validation refuses it", async () => {
    const text = await failure(client.createAccount({ accountId: "bad1", mediaDownload: { mode: MediaDownloadMode.ALL, types: [MessageType.TEXT] } }));
    expect(text).toMatchObject({ code: Code.InvalidArgument });
    const modeless = await failure(client.createAccount({ accountId: "bad2", mediaDownload: { types: [MessageType.IMAGE] } }));
    expect(modeless).toMatchObject({ code: Code.InvalidArgument });
    expect(modeless?.rawMessage).toContain("need a mode");
    expect(await store.accounts.get("bad1")).toBeUndefined();
  });

  it("when the mask names a field that cannot change, then the update fails with invalid_argument and names it", async () => {
    await client.createAccount({ accountId: "mask" });
    const err = await failure(client.updateAccount({ account: { accountId: "mask" }, updateMask: { paths: ["state"] } }));
    expect(err).toMatchObject({ code: Code.InvalidArgument });
    expect(err?.rawMessage).toContain("state");
  });

  it("when the account to update, get or delete is unknown, then the call fails with not_found", async () => {
    const mask = { paths: ["display_name"] };
    expect(await failure(client.updateAccount({ account: { accountId: "ghost" }, updateMask: mask }))).toMatchObject({ code: Code.NotFound });
    expect(await failure(client.getAccount({ accountId: "ghost" }))).toMatchObject({ code: Code.NotFound });
    expect(await failure(client.deleteAccount({ accountId: "ghost" }))).toMatchObject({ code: Code.NotFound });
  });

  it("when an account is deleted, then it is gone and its id can be used again", async () => {
    await client.createAccount({ accountId: "again" });
    await client.deleteAccount({ accountId: "again" });
    expect(await failure(client.getAccount({ accountId: "again" }))).toMatchObject({ code: Code.NotFound });
    await client.createAccount({ accountId: "again" });
  });

  it("when an account is deleted, then its stored files and chats are deleted with it and other accounts' stay", async () => {
    await client.createAccount({ accountId: "leaving" });
    const file = (mediaId: string, accountId: string) => ({ mediaId, accountId, mimeType: "text/plain", source: "upload" as const, createTime: clock.now() });
    await store.media.put(file("mine", "leaving"), Readable.from([Buffer.from("bytes")]));
    await store.media.put(file("theirs", "staying"), Readable.from([Buffer.from("bytes")]));
    const note = { messageId: "m1", time: clock.now(), countUnread: true };
    await store.chats.noteMessage("leaving", "15550001111@s.whatsapp.net", note, clock.now());
    await store.chats.noteMessage("staying", "15550001111@s.whatsapp.net", note, clock.now());

    await client.deleteAccount({ accountId: "leaving" });

    expect(await store.media.get("mine")).toBeUndefined();
    expect(await store.media.get("theirs")).toBeDefined();
    expect(await store.chats.get("leaving", "15550001111@s.whatsapp.net")).toBeUndefined();
    expect(await store.chats.get("staying", "15550001111@s.whatsapp.net")).toBeDefined();
  });

  it("when the store says CONNECTED but this process has no socket for the account (a crashed gateway's state, before its restore), then readers see CONNECTING", async () => {
    const now = clock.now();
    await store.accounts.create({ accountId: "left-connected", displayName: "", state: "connected", createTime: now, updateTime: now });
    expect((await client.getAccount({ accountId: "left-connected" })).account?.state).toBe(AccountState.CONNECTING);
    const listed = (await client.listAccounts({})).accounts.find((a) => a.accountId === "left-connected");
    expect(listed?.state).toBe(AccountState.CONNECTING);
  });

  it("when a connection RPC names an unknown account, then it fails with not_found", async () => {
    expect(await failure(client.connectAccount({ accountId: "ghost" }))).toMatchObject({ code: Code.NotFound });
    expect(await failure(client.disconnectAccount({ accountId: "ghost" }))).toMatchObject({ code: Code.NotFound });
    expect(await failure(client.logoutAccount({ accountId: "ghost" }))).toMatchObject({ code: Code.NotFound });
    expect(await failure(client.requestPairingCode({ accountId: "ghost", phoneNumber: "+15551234567" }))).toMatchObject({ code: Code.NotFound });
  });

  it("when a pairing code is requested for an account that is not connecting, then it fails with failed_precondition", async () => {
    await client.createAccount({ accountId: "idle" });
    expect(await failure(client.requestPairingCode({ accountId: "idle", phoneNumber: "+15551234567" }))).toMatchObject({ code: Code.FailedPrecondition });
  });

  it("when the phone number for a pairing code is not a phone number, then validation refuses it", async () => {
    await client.createAccount({ accountId: "badphone" });
    expect(await failure(client.requestPairingCode({ accountId: "badphone", phoneNumber: "12ab" }))).toMatchObject({ code: Code.InvalidArgument });
  });

  it("when update has no account, then validation refuses it", async () => {
    expect(await failure(client.updateAccount({}))).toMatchObject({ code: Code.InvalidArgument });
  });
});
