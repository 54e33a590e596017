import { Code, ConnectError } from "@connectrpc/connect";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { AccountState, DisconnectReason, type Account, type PairingCode, type QrCode } from "../../gen/wildcat/v1/account_pb.js";
import { EventType, type Event } from "../../gen/wildcat/v1/event_pb.js";
import type { Jid } from "../../gen/wildcat/v1/jid_pb.js";
import { MessageStatus, MessageType, type Message } from "../../gen/wildcat/v1/message_pb.js";
import { StreamStart } from "../../gen/wildcat/v1/message_service_pb.js";
import { createApi, type Api, type Protocol } from "./api.js";
import { describe, type Problem } from "./errors.js";
import { session } from "./session.js";
import { webhooksPage } from "./webhooks-page.js";

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} missing from index.html`);
  return el as T;
};

/** One account in the list, kept current by the event stream (and, while open, by WatchAccount). */
interface Watched {
  account: Account;
  qr?: QrCode;
  pairing?: PairingCode;
  li: HTMLLIElement;
}

let api: Api | undefined;
/** Aborted at sign-out: ends every stream of the signed-in session. */
let life = new AbortController();
const watched = new Map<string, Watched>();

/** The account open in the panel, its live feed and open chat. */
let view:
  | {
      accountId: string;
      stop: AbortController;
      messages: Map<string, Message>;
      feedItems: Map<string, HTMLLIElement>;
      chatItems: Map<string, HTMLLIElement>;
      chatJid?: string;
      /** Its recent history was read (once the event stream was open). */
      historyLoaded: boolean;
    }
  | undefined;

// ---------------------------------------------------------------- problems

function showProblem(p: Problem): void {
  $("problem-title").textContent = p.title;
  $("problem-detail").textContent = p.detail;
  $("problem-todo").textContent = p.todo;
  $("problem").hidden = false;
}

function clearProblem(): void {
  $("problem").hidden = true;
}

/** Runs one user action; a failure is shown as a problem (and a refused key signs out). */
async function act<T>(what: string, run: () => Promise<T>): Promise<T | undefined> {
  clearProblem();
  try {
    return await run();
  } catch (e) {
    const problem = describe(what, e);
    if (ConnectError.from(e).code === Code.Unauthenticated) signOut();
    showProblem(problem);
    return undefined;
  }
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => (clearTimeout(t), resolve()), { once: true });
  });

const backoff = (attempt: number) => Math.min(10_000, 500 * 2 ** Math.min(attempt, 5));

// ---------------------------------------------------------------- pages

const webhooks = webhooksPage({ api: () => api!, act, $ });

function showPage(page: "accounts" | "webhooks"): void {
  $("app-view").hidden = page !== "accounts";
  $("webhooks-view").hidden = page !== "webhooks";
  $("tab-accounts").classList.toggle("active", page === "accounts");
  $("tab-webhooks").classList.toggle("active", page === "webhooks");
  if (page === "webhooks") void webhooks.show();
  else webhooks.hide();
}

// ---------------------------------------------------------------- sign in / out

function showSignIn(): void {
  $("sign-in-view").hidden = false;
  $("app-view").hidden = true;
  $("webhooks-view").hidden = true;
  $("tabs").hidden = true;
  $("who").hidden = true;
  $<HTMLInputElement>("key").focus();
}

/** Resolves true once signed in; a refusal is shown and resolves false. */
async function signIn(key: string, protocol: Protocol, gatewayField: string): Promise<boolean> {
  let gateway = location.origin;
  if (gatewayField) {
    try {
      const url = new URL(gatewayField);
      if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error();
      gateway = url.origin;
    } catch {
      showProblem({ title: "Signing in failed", detail: `"${gatewayField}" is not a web address.`, todo: "Give the gateway's address, e.g. https://wildcat.example.com, or leave it empty." });
      return false;
    }
  }
  const candidate = createApi(key, protocol, gateway);
  // A cheap read proves the key (and that the gateway answers this page) before it is kept.
  try {
    await candidate.accounts.listAccounts({ pageSize: 1 });
  } catch (e) {
    const problem = describe("Signing in", e);
    const code = ConnectError.from(e).code;
    if (gateway !== location.origin && (code === Code.Unknown || code === Code.Unavailable)) {
      problem.detail = `The gateway at ${gateway} could not be reached from this page, or it refused this page's origin.`;
      problem.todo = `Check the address, and that the gateway's CORS_ORIGINS includes ${location.origin}.`;
    }
    showProblem(problem);
    return false;
  }
  clearProblem();
  session.signIn(key, protocol, gateway);
  await enter();
  return true;
}

function signOut(): void {
  life.abort();
  life = new AbortController();
  closeView();
  watched.clear();
  $("accounts").replaceChildren();
  webhooks.reset();
  api = undefined;
  session.signOut();
  showSignIn();
}

async function enter(): Promise<void> {
  const key = session.key();
  if (!key) return showSignIn();
  api = createApi(key, session.protocol(), session.gateway());
  $("sign-in-view").hidden = true;
  $("tabs").hidden = false;
  showPage("accounts");
  $("who").hidden = false;
  // The key id only (wck_<id>_…): the secret is never put on screen.
  $("who-key").textContent = `key ${key.split("_")[1] ?? "?"}`;
  $("who-protocol").textContent = session.protocol() === "grpc-web" ? "gRPC-Web" : "Connect";
  $("who-protocol").title = `gateway: ${session.gateway()}`;
  void followEvents(life.signal);
}

// ---------------------------------------------------------------- accounts

async function loadAccounts(): Promise<void> {
  const all: Account[] = [];
  const done = await act("Loading the accounts", async () => {
    let pageToken = "";
    do {
      const page = await api!.accounts.listAccounts({ pageSize: 100, pageToken });
      all.push(...page.accounts);
      pageToken = page.nextPageToken;
    } while (pageToken);
    return true;
  });
  if (!done) return;
  for (const a of all) {
    const w = watched.get(a.accountId);
    if (!w) addAccount(a);
    else if (view?.accountId !== a.accountId) {
      w.account = a;
      renderListItem(w);
    }
  }
  renderEmpty();
}

function addAccount(account: Account): void {
  if (watched.has(account.accountId)) return;
  const li = document.createElement("li");
  li.dataset.accountId = account.accountId;
  const name = document.createElement("span");
  name.textContent = account.displayName ? `${account.displayName} (${account.accountId})` : account.accountId;
  const state = document.createElement("span");
  state.className = "state";
  li.append(name, state);
  li.addEventListener("click", () => select(account.accountId));
  $("accounts").append(li);
  const w: Watched = { account, li };
  watched.set(account.accountId, w);
  renderListItem(w);
}

function renderEmpty(): void {
  $("no-accounts").hidden = watched.size > 0;
}

/** Keeps the open account live (WatchAccount: state, QR code, pairing code), reopening the stream when it drops. */
async function watch(accountId: string, signal: AbortSignal): Promise<void> {
  for (let attempt = 0; !signal.aborted; attempt++) {
    try {
      for await (const res of api!.accounts.watchAccount({ accountId }, { signal })) {
        attempt = 0;
        const w = watched.get(accountId);
        if (!w || !res.account) continue;
        w.account = res.account;
        w.qr = res.qrCode;
        w.pairing = res.pairingCode;
        renderListItem(w);
        if (view?.accountId === accountId) renderPanel();
      }
    } catch (e) {
      if (signal.aborted) return;
      const code = ConnectError.from(e).code;
      if (code === Code.NotFound) return removeAccount(accountId);
      if (code === Code.Unauthenticated || code === Code.PermissionDenied) return showProblem(describe(`Watching account ${accountId}`, e));
    }
    await sleep(backoff(attempt), signal);
  }
}

function removeAccount(accountId: string): void {
  watched.get(accountId)?.li.remove();
  watched.delete(accountId);
  if (view?.accountId === accountId) closeView();
  renderEmpty();
}

const stateName = (s: AccountState) => (AccountState[s] ?? "UNSPECIFIED").toLowerCase();

function renderListItem(w: Watched): void {
  const state = w.li.querySelector(".state")!;
  state.className = `state ${stateName(w.account.state)}`;
  state.textContent = stateName(w.account.state).replace(/_/g, " ");
  w.li.classList.toggle("selected", view?.accountId === w.account.accountId);
}

async function createAccount(accountId: string, displayName: string): Promise<void> {
  const res = await act(`Creating account "${accountId}"`, () => api!.accounts.createAccount({ accountId, displayName }));
  if (!res?.account) return;
  addAccount(res.account);
  renderEmpty();
  select(accountId);
}

// ---------------------------------------------------------------- the account panel

let qrUrl: string | undefined;

function renderPanel(): void {
  const w = view && watched.get(view.accountId);
  if (!w) return;
  const a = w.account;
  $("account-title").textContent = a.displayName || a.accountId;
  const state = $("account-state");
  state.className = `state ${stateName(a.state)}`;
  state.textContent = stateName(a.state).replace(/_/g, " ");
  $("account-jid").textContent = a.ownJid?.pnJid ? `· ${phoneOf(a.ownJid)}` : "";
  const d = a.lastDisconnect;
  $("account-disconnect").textContent =
    d && a.state !== AccountState.CONNECTED ? `Last disconnect: ${(DisconnectReason[d.reason] ?? "").toLowerCase().replace(/_/g, " ")}${d.message ? ` — ${d.message}` : ""}` : "";
  const s = a.state;
  $<HTMLButtonElement>("connect").disabled = !(s === AccountState.DISCONNECTED || s === AccountState.LOGGED_OUT || s === AccountState.UNSPECIFIED);
  $<HTMLButtonElement>("disconnect").disabled = !(s === AccountState.CONNECTED || s === AccountState.CONNECTING || s === AccountState.WAITING_FOR_LOGIN);
  $<HTMLButtonElement>("logout").disabled = !(a.ownJid && s !== AccountState.LOGGED_OUT);

  const linking = s === AccountState.WAITING_FOR_LOGIN;
  $("link").hidden = !linking;
  const img = $<HTMLImageElement>("qr");
  if (linking && w.qr?.png.length) {
    if (img.dataset.code !== w.qr.code) {
      if (qrUrl) URL.revokeObjectURL(qrUrl);
      qrUrl = URL.createObjectURL(new Blob([w.qr.png as Uint8Array<ArrayBuffer>], { type: "image/png" }));
      img.src = qrUrl;
      // What the image encodes, for tools and assistive technology; it is a one-time link code, not a secret key.
      img.dataset.code = w.qr.code;
    }
    img.hidden = false;
    $("qr-wait").hidden = true;
  } else {
    img.hidden = true;
    $("qr-wait").hidden = false;
  }
  if (w.pairing?.code) showPairingCode(w.pairing.code);
  $("composer").hidden = !view?.chatJid;
  $<HTMLButtonElement>("send").disabled = s !== AccountState.CONNECTED;
}

function showPairingCode(code: string): void {
  $("pairing-code").textContent = code.length === 8 ? `${code.slice(0, 4)}-${code.slice(4)}` : code;
  $("pairing-code").hidden = false;
  $("pairing-help").hidden = false;
}

function closeView(): void {
  view?.stop.abort();
  view = undefined;
  $("account-panel").hidden = true;
}

function select(accountId: string): void {
  if (view?.accountId === accountId) return;
  closeView();
  view = { accountId, stop: new AbortController(), messages: new Map(), feedItems: new Map(), chatItems: new Map(), historyLoaded: false };
  for (const w of watched.values()) renderListItem(w);
  $("feed").replaceChildren();
  $("chat").replaceChildren();
  $("chat-title").textContent = "Open a chat from the feed";
  $("pairing-code").hidden = true;
  $("pairing-help").hidden = true;
  $("upload").hidden = true;
  $<HTMLImageElement>("qr").removeAttribute("data-code");
  $("feed-empty").hidden = false;
  $("account-panel").hidden = false;
  renderPanel();
  void watch(accountId, view.stop.signal);
  if (streamOpen) {
    view.historyLoaded = true;
    void loadHistory(accountId, view.stop.signal);
  }
}

// ---------------------------------------------------------------- live feed (StreamMessages)

function setFeedStatus(text: string, kind: "live" | "reconnecting" | ""): void {
  const el = $("feed-status");
  el.textContent = text;
  el.className = `pill ${kind}`;
}

/** Whether the event stream is open now; an account opened meanwhile loads its history at once. */
let streamOpen = false;

/**
 * Every event of the key's accounts on one StreamMessages stream, resumed from the cursor this
 * tab saw last (so a reload or a dropped connection resumes with nothing missed and nothing twice).
 * It keeps the list's states and the open account's feed live. One stream, not one per account:
 * a browser opens at most six HTTP/1.1 connections to a host, across its tabs, and a stream holds
 * one for as long as it lives. While it is down the feed says so and retries with backoff.
 */
async function followEvents(signal: AbortSignal): Promise<void> {
  let listed = false;
  for (let attempt = 0; !signal.aborted; attempt++) {
    setFeedStatus(attempt === 0 ? "connecting…" : `reconnecting… (attempt ${attempt})`, attempt === 0 ? "" : "reconnecting");
    const cursor = session.cursor();
    let opened = false;
    // The gateway sends a stream's headers with its first event, so a quiet stream that has not
    // failed within a moment counts as open (a refused connection fails at once).
    const open = () => {
      if (opened) return;
      opened = streamOpen = true;
      clearTimeout(timer);
      setFeedStatus("live", "live");
      // Listed and read only now that the stream is open, so no change falls between the two
      // (duplicates are merged).
      if (!listed) {
        listed = true;
        void loadAccounts();
      }
      if (view && !view.historyLoaded) {
        view.historyLoaded = true;
        void loadHistory(view.accountId, view.stop.signal);
      }
    };
    const timer = setTimeout(open, 1500);
    try {
      const req = cursor ? { afterCursor: cursor } : { start: StreamStart.NOW };
      for await (const res of api!.messages.streamMessages(req, { signal, onHeader: open })) {
        attempt = 0;
        open();
        if (!res.event) continue;
        onEvent(res.event);
        session.setCursor(res.event.cursor);
      }
    } catch (e) {
      if (signal.aborted) return;
      const ce = ConnectError.from(e);
      if (ce.code === Code.OutOfRange) {
        // The saved cursor is older than what the gateway keeps: start over from now.
        session.setCursor(undefined);
        listed = false;
        if (view) view.historyLoaded = false;
        showProblem({ title: "Some events were missed", detail: "This page was away longer than the gateway keeps events.", todo: "The accounts and history are reloaded; nothing needs doing." });
        continue;
      }
      if (ce.code === Code.Unauthenticated || ce.code === Code.PermissionDenied) {
        setFeedStatus("stopped", "");
        return void act("Following the messages", () => Promise.reject(e));
      }
    } finally {
      clearTimeout(timer);
      streamOpen = false;
    }
    if (signal.aborted) return;
    setFeedStatus(`reconnecting… (attempt ${attempt + 1})`, "reconnecting");
    await sleep(backoff(attempt), signal);
  }
}

async function loadHistory(accountId: string, signal: AbortSignal): Promise<void> {
  const res = await act("Loading recent messages", () => api!.messages.listMessages({ accountId, pageSize: 30 }, { signal }));
  if (!res || view?.accountId !== accountId) return;
  for (const m of [...res.messages].reverse()) showMessage(m);
}

function onEvent(e: Event): void {
  if (e.type === EventType.ACCOUNT_STATE_CHANGED && e.payload.case === "account") {
    const account = e.payload.value;
    const w = watched.get(account.accountId);
    if (!w) {
      addAccount(account);
      renderEmpty();
    } else if (view?.accountId !== account.accountId) {
      // The open account has its own WatchAccount stream, which also carries QR codes.
      w.account = account;
      renderListItem(w);
    }
    return;
  }
  if (!view || e.accountId !== view.accountId) return;
  if ((e.type === EventType.MESSAGE_RECEIVED || e.type === EventType.MESSAGE_SENT || e.type === EventType.MESSAGE_EDITED || e.type === EventType.MESSAGE_DELETED) && e.payload.case === "message") {
    showMessage(e.payload.value);
  } else if (e.type === EventType.MESSAGE_STATUS_CHANGED && e.payload.case === "statusUpdate") {
    const m = view.messages.get(e.payload.value.messageId);
    if (m && e.payload.value.status > m.status) {
      m.status = e.payload.value.status;
      showMessage(m);
    }
  }
}

const phoneOf = (j: Jid | undefined) => (j?.pnJid ? `+${j.pnJid.split("@")[0].split(":")[0]}` : (j?.jid ?? "?"));

function textOf(m: Message): string {
  if (m.deleted) return "(deleted)";
  const kind = m.type === MessageType.TEXT ? "" : `[${(MessageType[m.type] ?? "message").toLowerCase().replace(/_/g, " ")}${m.media?.fileName ? `: ${m.media.fileName}` : ""}] `;
  return `${kind}${m.text}${m.edited ? " (edited)" : ""}`.trim();
}

function ticks(status: MessageStatus): { text: string; cls: string; label: string } {
  switch (status) {
    case MessageStatus.PENDING:
      return { text: "…", cls: "pending", label: "sending" };
    case MessageStatus.SERVER_ACK:
      return { text: "✓", cls: "sent", label: "sent" };
    case MessageStatus.DELIVERED:
      return { text: "✓✓", cls: "delivered", label: "delivered" };
    case MessageStatus.READ:
    case MessageStatus.PLAYED:
      return { text: "✓✓", cls: "read", label: "read" };
    case MessageStatus.FAILED:
      return { text: "!", cls: "failed", label: "not sent" };
    default:
      return { text: "", cls: "", label: "" };
  }
}

const timeOf = (m: Message) => (m.timestamp ? timestampDate(m.timestamp).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) : "");

/** Adds or updates a message in the feed and, when its chat is open, in the chat. */
function showMessage(m: Message): void {
  if (!view) return;
  const known = view.messages.get(m.messageId);
  if (known && m.status < known.status) m.status = known.status; // a late copy never moves ticks back
  view.messages.set(m.messageId, m);
  const chatJid = m.chat?.jid ?? "";

  let item = view.feedItems.get(m.messageId);
  if (!item) {
    item = document.createElement("li");
    item.dataset.messageId = m.messageId;
    item.addEventListener("click", () => void openChat(chatJid, phoneOf(m.chat)));
    view.feedItems.set(m.messageId, item);
    $("feed").prepend(item);
  }
  const from = document.createElement("div");
  from.className = "from";
  from.textContent = `${m.fromMe ? `You → ${phoneOf(m.chat)}` : phoneOf(m.from ?? m.chat)} · ${timeOf(m)}`;
  const body = document.createElement("div");
  body.className = "body";
  body.textContent = textOf(m);
  item.replaceChildren(from, body);
  $("feed-empty").hidden = true;

  if (view.chatJid === chatJid) renderChatMessage(m);
}

function renderChatMessage(m: Message): void {
  if (!view) return;
  let item = view.chatItems.get(m.messageId);
  if (!item) {
    item = document.createElement("li");
    item.dataset.messageId = m.messageId;
    view.chatItems.set(m.messageId, item);
    $("chat").append(item);
  }
  item.className = m.fromMe ? "mine" : "";
  const body = document.createElement("span");
  body.className = "body";
  body.textContent = textOf(m);
  const meta = document.createElement("span");
  meta.className = "meta";
  meta.textContent = timeOf(m);
  if (m.fromMe) {
    const t = ticks(m.status);
    const tick = document.createElement("span");
    tick.className = `tick ${t.cls}`;
    tick.textContent = ` ${t.text}`;
    tick.title = t.label;
    tick.dataset.status = t.label;
    meta.append(tick);
  }
  item.replaceChildren(body, meta);
  const chat = $("chat");
  chat.scrollTop = chat.scrollHeight;
}

async function openChat(chatJid: string, label: string): Promise<void> {
  if (!view || !chatJid) return;
  const accountId = view.accountId;
  view.chatJid = chatJid;
  view.chatItems.clear();
  $("chat").replaceChildren();
  $("chat-title").textContent = `Chat with ${label}`;
  $("composer").hidden = false;
  renderPanel();
  const res = await act("Loading the chat", () => api!.messages.listMessages({ accountId, chatJid, pageSize: 50 }));
  if (!res || view?.chatJid !== chatJid) return;
  for (const m of [...res.messages].reverse()) {
    const known = view.messages.get(m.messageId);
    if (known && known.status > m.status) m.status = known.status;
    view.messages.set(m.messageId, m);
    renderChatMessage(m);
  }
  // Messages that arrived while the history loaded.
  for (const m of view.messages.values()) if (m.chat?.jid === chatJid && !view.chatItems.has(m.messageId)) renderChatMessage(m);
  $<HTMLInputElement>("composer-text").focus();
}

async function send(text: string): Promise<boolean> {
  if (!view?.chatJid) return false;
  const { accountId, chatJid } = view;
  const res = await act("Sending the message", () =>
    api!.messages.sendMessage({ accountId, to: chatJid, requestId: crypto.randomUUID(), content: { case: "text", value: { body: text } } }),
  );
  if (res?.message) showMessage(res.message);
  return res !== undefined;
}

// ---------------------------------------------------------------- files (resumable upload)

/** Bytes per AppendUpload call: well under the gateway's request size limit (MAX_REQUEST_BYTES, 4 MiB by default). */
const CHUNK = 1024 * 1024;

function setUpload(name: string, done: number, total: number, status: string): void {
  $("upload").hidden = false;
  $("upload-name").textContent = name;
  const bar = $<HTMLProgressElement>("upload-progress");
  bar.max = Math.max(total, 1);
  bar.value = done;
  $("upload-status").textContent = status;
}

/**
 * Uploads the file in chunks (StartUpload, AppendUpload…, FinishUpload) with a progress bar, then
 * sends it to the open chat. A chunk that fails is retried from the offset the gateway reports
 * (GetUpload), so a dropped connection costs one chunk, not the file.
 */
async function sendFile(file: File): Promise<void> {
  if (!view?.chatJid) return;
  const { accountId, chatJid } = view;
  const name = file.name || "file";
  const mimeType = /^[a-z]+\/[a-zA-Z0-9.+_-]{1,100}$/.test(file.type) ? file.type : "";
  setUpload(name, 0, file.size, "starting…");
  const media = await act(`Uploading ${name}`, async () => {
    const { upload } = await api!.media.startUpload({ metadata: { accountId, mimeType, fileName: name, sizeBytes: BigInt(file.size) } });
    const uploadId = upload!.uploadId;
    let offset = 0;
    for (let failures = 0; offset < file.size; ) {
      const chunk = new Uint8Array(await file.slice(offset, offset + CHUNK).arrayBuffer());
      try {
        const res = await api!.media.appendUpload({ uploadId, offset: BigInt(offset), chunk });
        offset = Number(res.upload!.offset);
        failures = 0;
      } catch (e) {
        const code = ConnectError.from(e).code;
        if (++failures > 5 || (code !== Code.Unavailable && code !== Code.Unknown && code !== Code.Aborted)) throw e;
        setUpload(name, offset, file.size, `connection lost, resuming (try ${failures})…`);
        await sleep(backoff(failures), life.signal);
        offset = Number((await api!.media.getUpload({ uploadId })).upload!.offset);
      }
      setUpload(name, offset, file.size, `${Math.floor((offset / Math.max(file.size, 1)) * 100)} %`);
    }
    return (await api!.media.finishUpload({ uploadId })).media!;
  });
  if (!media) return void ($("upload-status").textContent = "not sent");
  setUpload(name, file.size, file.size, "uploaded, sending…");
  const mediaId = media.mediaId;
  const content = media.mimeType.startsWith("image/")
    ? { case: "image" as const, value: { mediaId } }
    : { case: "document" as const, value: { mediaId, fileName: name } };
  const res = await act(`Sending ${name}`, () => api!.messages.sendMessage({ accountId, to: chatJid, requestId: crypto.randomUUID(), content }));
  if (res?.message) showMessage(res.message);
  $("upload-status").textContent = res ? "sent" : "uploaded, not sent";
}

// ---------------------------------------------------------------- wiring

function accountAction(what: string, run: (accountId: string) => Promise<unknown>): () => void {
  return () => {
    const accountId = view?.accountId;
    if (accountId) void act(`${what} "${accountId}"`, () => run(accountId));
  };
}

function wire(): void {
  $<HTMLFormElement>("sign-in-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const key = $<HTMLInputElement>("key").value.trim();
    const protocol = $<HTMLSelectElement>("protocol").value === "grpc-web" ? "grpc-web" : "connect";
    void signIn(key, protocol, $<HTMLInputElement>("gateway").value.trim()).then((ok) => {
      if (ok) $<HTMLInputElement>("key").value = "";
    });
  });
  $("sign-out").addEventListener("click", () => {
    clearProblem();
    signOut();
  });
  $("problem-close").addEventListener("click", clearProblem);
  $("tab-accounts").addEventListener("click", () => showPage("accounts"));
  $("tab-webhooks").addEventListener("click", () => showPage("webhooks"));
  webhooks.wire();
  $<HTMLFormElement>("create-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const id = $<HTMLInputElement>("new-account-id");
    const name = $<HTMLInputElement>("new-display-name");
    void createAccount(id.value.trim(), name.value.trim()).then(() => {
      id.value = "";
      name.value = "";
    });
  });
  $("connect").addEventListener("click", accountAction("Connecting", (accountId) => api!.accounts.connectAccount({ accountId })));
  $("disconnect").addEventListener("click", accountAction("Disconnecting", (accountId) => api!.accounts.disconnectAccount({ accountId })));
  $("logout").addEventListener(
    "click",
    accountAction("Logging out", async (accountId) => {
      if (confirm(`Log out "${accountId}"? The device is unlinked from WhatsApp and must be linked again.`)) await api!.accounts.logoutAccount({ accountId });
    }),
  );
  $<HTMLFormElement>("pairing-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const phoneNumber = $<HTMLInputElement>("pairing-phone").value.trim();
    accountAction("Asking for a pairing code for", async (accountId) => {
      const res = await api!.accounts.requestPairingCode({ accountId, phoneNumber });
      if (res.pairingCode) showPairingCode(res.pairingCode.code);
    })();
  });
  $<HTMLInputElement>("attach").addEventListener("change", (ev) => {
    const input = ev.target as HTMLInputElement;
    const file = input.files?.[0];
    input.value = "";
    if (file) void sendFile(file);
  });
  $<HTMLFormElement>("composer").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const input = $<HTMLInputElement>("composer-text");
    const text = input.value;
    if (!text.trim()) return;
    void send(text).then((sent) => {
      if (sent) input.value = "";
    });
  });
}

wire();
if (session.key()) void enter();
else showSignIn();
