import type { Boom } from "@hapi/boom";
import { jidNormalizedUser, makeWASocket, type ConnectionState, type proto, type UserFacingSocketConfig, type WAMessageKey, type WASocket } from "@whiskeysockets/baileys";
import type { Clock } from "../clock.js";
import type { Logger } from "../logger.js";
import type { AuthStateStore } from "../store/auth-state.js";
import { StoreUnavailableError } from "../store/store-errors.js";
import type { AccountPatch, AccountRecord, DisconnectInfo, DisconnectKind } from "../store/store.js";
import { simulatorRootTrusted } from "../sim/trust-root.js";
import { renderQrPng } from "./qr.js";
import { backoffDelay, classifyClose, type BackoffOptions } from "./reconnect-policy.js";

/** A QR code waiting to be scanned. */
export interface QrSnapshot {
  code: string;
  expireTime: Date;
  png: Uint8Array;
}

/** A pairing code waiting to be entered on the phone. */
export interface PairingCodeSnapshot {
  code: string;
  phoneNumber: string;
  expireTime: Date;
}

/** Everything a watcher of one account sees, after each change. */
export interface AccountSnapshot {
  account: AccountRecord;
  qr?: QrSnapshot;
  pairingCode?: PairingCodeSnapshot;
}

/** Baileys shows the first QR for 60 s and each following one for 20 s (unless `qrTimeout` is set). */
const FIRST_QR_MS = 60_000;
const NEXT_QR_MS = 20_000;
/** WhatsApp accepts a pairing code for about three minutes. */
const PAIRING_CODE_MS = 180_000;

/**
 * A planned close first lets Baileys finish the messages it is handling: until no Signal key has
 * been read or written for DRAIN_QUIET_MS, at most DRAIN_MAX_MS (within the 2 s that a
 * process stop allows after its calls end).
 */
const DRAIN_QUIET_MS = 100;
const DRAIN_MAX_MS = 1_500;

export interface SessionDeps {
  accountId: string;
  authState: AuthStateStore;
  clock: Clock;
  logger: Logger;
  backoff: BackoffOptions;
  /** Baileys options shared by every socket (e.g. the simulator's URL and agents in sandbox mode). */
  socketOptions: Partial<UserFacingSocketConfig>;
  /** Persists a state change and announces it; called in order, one at a time. */
  record(patch: AccountPatch, extra: Omit<AccountSnapshot, "account">): Promise<void>;
  /** Called with every new socket before it connects, to wire messaging to it. */
  attach(sock: WASocket): void;
  /** Baileys' getMessage: a message this account sent, for WhatsApp's retry requests. */
  getMessage(key: WAMessageKey): Promise<proto.IMessage | undefined>;
  /**
   * Told of a failure; true when it means the store is unreachable (the session then
   * pauses: its socket is dropped and it waits for {@link AccountSession.resume}).
   */
  storeUnavailable?(err: unknown): boolean;
}

/**
 * One account's connection to WhatsApp: at most one Baileys socket at a time,
 * and the reconnect policy applied to each close. Every entry point (calls,
 * Baileys events, retry timers) runs on one serial chain, so a connect racing a
 * reconnect can never open a second socket on the same credentials.
 */
export class AccountSession {
  private sock?: WASocket;
  /** True between the socket's `open` and its close. */
  private isOpen = false;
  private retryTimer?: NodeJS.Timeout;
  private attempt = 0;
  private qrCount = 0;
  private qr?: QrSnapshot;
  private pairingCode?: PairingCodeSnapshot;
  /** Set while a close is expected (disconnect, logout, shutdown): the close handler then stays quiet. */
  private closing = false;
  private chain: Promise<unknown> = Promise.resolve();
  private saving: Promise<void> = Promise.resolve();
  /** Paused because the store is unreachable: {@link resume} reconnects it once the store is back. */
  private suspended = false;
  /** Signal key reads and writes in progress, and when the last one ended: how a close sees Baileys still handling a message. */
  private keyOps = 0;
  private keyOpEnded = 0;

  constructor(private readonly deps: SessionDeps) {}

  /** True while a socket is open or being opened, or a retry is scheduled. */
  get active(): boolean {
    return this.sock !== undefined || this.retryTimer !== undefined;
  }

  /** The socket while the account is connected; undefined otherwise. */
  get connectedSocket(): WASocket | undefined {
    return this.isOpen ? this.sock : undefined;
  }

  /** Opens a socket unless one is already open or scheduled (idempotent). */
  start(): Promise<void> {
    return this.run(async () => {
      if (this.active) return;
      this.closing = false;
      await this.open();
    });
  }

  /** Closes the socket without unlinking; keeps the credentials. */
  stop(): Promise<void> {
    return this.run(async () => {
      // Asked to stay disconnected: the store's return must not reconnect it.
      this.suspended = false;
      await this.closeSocket({ drain: true });
      await this.change({ state: "disconnected", lastDisconnect: this.disconnect("requested", 0, "disconnected on request") });
    });
  }

  /** Closes the socket for a server shutdown: no state change is recorded, so a restart restores it. */
  shutdown(): Promise<void> {
    return this.run(async () => {
      await this.closeSocket({ drain: true });
      await this.saving;
    });
  }

  /**
   * The store is unreachable: closes the socket without recording anything (nothing can be
   * recorded) and without acknowledging more to WhatsApp, which keeps what this device has not
   * acknowledged and delivers it again at the next login. {@link resume} reconnects.
   */
  suspend(): Promise<void> {
    return this.run(async () => {
      if (!this.active && !this.suspended) return;
      this.suspended = true;
      await this.closeSocket({ drain: false });
    });
  }

  /** The store is back: reconnects a session that {@link suspend} (or a store failure) paused. */
  resume(): Promise<void> {
    return this.run(async () => {
      if (!this.suspended) return;
      this.suspended = false;
      if (this.active) return;
      this.closing = false;
      await this.open();
    });
  }

  /** Unlinks the device on WhatsApp when connected, then removes the credentials. */
  logout(): Promise<void> {
    return this.run(() => this.doLogout());
  }

  private async doLogout(): Promise<void> {
    this.suspended = false;
    const sock = this.sock;
    this.closing = true;
    this.clearRetry();
    if (sock?.user) {
      // logout() tells WhatsApp to remove this companion device, then closes with 401.
      await sock.logout("logged out through Wildcat").catch((e: unknown) => this.deps.logger.warn({ err: e }, "logout request failed; removing credentials anyway"));
    } else {
      await sock?.end(undefined);
    }
    this.sock = undefined;
    this.isOpen = false;
    await this.saving;
    await this.deps.authState.delete(this.deps.accountId);
    this.clearLogin();
    await this.change({ state: "logged_out", ownJid: undefined, lastDisconnect: this.disconnect("logged_out", 401, "logged out on request") });
  }

  /** Asks WhatsApp for a pairing code for the phone with this number. */
  requestPairingCode(phoneNumber: string): Promise<PairingCodeSnapshot> {
    return this.run(async () => {
      const sock = this.sock;
      if (!sock || sock.authState.creds.me) throw new NotWaitingForLoginError(this.deps.accountId);
      const code = await sock.requestPairingCode(phoneNumber);
      const pairingCode = { code, phoneNumber, expireTime: new Date(this.deps.clock.now().getTime() + PAIRING_CODE_MS) };
      this.pairingCode = pairingCode;
      await this.change({ state: "waiting_for_login" });
      return pairingCode;
    });
  }

  /** The extra parts of a snapshot (QR, pairing code) as they are now. */
  extras(): Omit<AccountSnapshot, "account"> {
    return { qr: this.qr, pairingCode: this.pairingCode };
  }

  private async open(lastDisconnect?: DisconnectInfo): Promise<void> {
    const { accountId, authState, logger, socketOptions } = this.deps;
    if (simulatorRootTrusted() && !socketOptions.waWebSocketUrl) {
      // A process that trusts the simulator's certificates must not talk to WhatsApp itself.
      throw new SandboxMixError();
    }
    let auth;
    try {
      // A restart (515 after pairing) comes right after the creds.update that holds the login:
      // loading before that save lands would start over as a new, unregistered device.
      await this.saving;
      auth = await authState.load(accountId);
    } catch (e) {
      this.storeFailed(e);
      throw e;
    }
    const keys = auth.state.keys;
    // Baileys writes the Signal session it decrypted a message with before it sends the
    // message's receipt. When that read or write fails for want of the store, the socket is
    // dropped at once, before Baileys can ack (or nack) anything, and this socket never writes
    // keys again (Baileys retries its commits): WhatsApp delivers the message again at the
    // next login, to a session state that can still decrypt it.
    let dropped = false;
    const guard = async <T>(op: () => T | Promise<T>): Promise<T> => {
      // Not a StoreUnavailableError: the store may well be back; this socket is simply done.
      if (dropped) throw new Error("this connection was dropped because the store was unreachable");
      this.keyOps++;
      try {
        return await op();
      } catch (e) {
        if (!dropped && this.deps.storeUnavailable?.(e)) {
          dropped = true;
          this.dropForStore(sock);
        }
        throw e;
      } finally {
        this.keyOps--;
        this.keyOpEnded = performance.now();
      }
    };
    const sock: WASocket = makeWASocket({
      ...socketOptions,
      auth: {
        creds: auth.state.creds,
        keys: {
          get: (type, ids) => guard(() => keys.get(type, ids)),
          set: (data) => guard(() => keys.set(data)),
          clear: keys.clear && (() => guard(() => keys.clear!())),
        },
      },
      logger: logger.child({ baileys: true }, { level: socketOptions.logger?.level ?? "warn" }),
      markOnlineOnConnect: false,
      // The gateway records its own sends; an echo of each would be a second copy to ignore.
      emitOwnEvents: false,
      getMessage: this.deps.getMessage,
    });
    this.sock = sock;
    this.isOpen = false;
    this.deps.attach(sock);
    sock.ev.on("creds.update", () => {
      // Writes queue up in order; a failure is logged and surfaces again at the next write.
      this.saving = this.saving.then(auth.saveCreds).catch((e: unknown) => logger.error({ err: e }, "saving credentials failed"));
    });
    sock.ev.on("connection.update", (update) => {
      this.run(() => this.onUpdate(sock, update)).catch((e: unknown) => {
        if (!this.storeFailed(e)) logger.error({ err: e }, "handling a connection update failed");
      });
    });
    try {
      await this.change(lastDisconnect ? { state: "connecting", lastDisconnect } : { state: "connecting" });
    } catch (e) {
      this.storeFailed(e);
      throw e;
    }
  }

  /**
   * A failure for want of the store pauses the session (its socket, if any, dropped without
   * acks) until {@link resume}; returns whether `err` was one.
   */
  private storeFailed(err: unknown): boolean {
    if (!this.deps.storeUnavailable?.(err)) return false;
    this.suspended = true;
    if (this.sock) this.dropForStore(this.sock);
    return true;
  }

  /** Ends `sock` now, synchronously closing its WebSocket so nothing more is sent on it. */
  private dropForStore(sock: WASocket): void {
    if (this.sock !== sock) return;
    this.suspended = true;
    this.sock = undefined;
    this.isOpen = false;
    this.clearRetry();
    this.deps.logger.warn("the store is unreachable: connection dropped without acknowledging; WhatsApp redelivers at the next login");
    void sock.end(new StoreUnavailableError());
  }

  private async onUpdate(sock: WASocket, update: Partial<ConnectionState>): Promise<void> {
    if (sock !== this.sock) return; // a socket we already replaced or closed
    if (update.qr) {
      const now = this.deps.clock.now().getTime();
      const lifetime = this.deps.socketOptions.qrTimeout ?? (this.qrCount === 0 ? FIRST_QR_MS : NEXT_QR_MS);
      this.qrCount++;
      this.qr = { code: update.qr, expireTime: new Date(now + lifetime), png: await renderQrPng(update.qr) };
      await this.change({ state: "waiting_for_login" });
    }
    if (update.connection === "open") {
      this.isOpen = true;
      this.attempt = 0;
      this.clearLogin();
      const user = sock.user;
      await this.change({
        state: "connected",
        ownJid: { pn: user?.id ? jidNormalizedUser(user.id) : undefined, lid: user?.lid ? jidNormalizedUser(user.lid) : undefined },
      });
    }
    if (update.connection === "close") {
      this.sock = undefined;
      this.isOpen = false;
      if (this.closing) return;
      await this.onClose(sock, (update.lastDisconnect?.error as Boom | undefined)?.output?.statusCode, update.lastDisconnect?.error?.message ?? "connection closed");
    }
  }

  private async onClose(sock: WASocket, code: number | undefined, message: string): Promise<void> {
    const loggingIn = !sock.authState.creds.me;
    const action = classifyClose(code, loggingIn);
    this.deps.logger.info({ code, action: action.kind }, "connection closed");
    switch (action.kind) {
      case "restart":
        await this.open(this.disconnect("restart_required", code ?? 515, message));
        return;
      case "retry": {
        const delay = backoffDelay(++this.attempt, this.deps.backoff);
        if (delay === undefined) {
          this.clearLogin();
          await this.change({ state: "disconnected", lastDisconnect: this.disconnect("connection_lost", code ?? 0, `${message}; gave up after ${this.attempt - 1} retries`) });
          return;
        }
        await this.change({ state: "connecting", lastDisconnect: this.disconnect(code === 500 ? "server_error" : "connection_lost", code ?? 0, message) });
        const timer = setTimeout(() => {
          this.run(async () => {
            if (this.retryTimer !== timer) return; // stopped or restarted meanwhile
            this.retryTimer = undefined;
            await this.open();
          }).catch((e: unknown) => this.deps.logger.error({ err: e }, "reconnect failed"));
        }, delay);
        this.retryTimer = timer;
        return;
      }
      case "logged_out":
      case "needs_relink":
        await this.saving;
        await this.deps.authState.delete(this.deps.accountId);
        this.clearLogin();
        await this.change({ state: "logged_out", ownJid: undefined, lastDisconnect: this.disconnect(action.kind, code ?? 0, message) });
        return;
      case "replaced":
      case "login_timeout":
        this.clearLogin();
        await this.change({ state: "disconnected", lastDisconnect: this.disconnect(action.kind, code ?? 0, message) });
        return;
    }
  }

  /** Runs `task` after everything queued before it. */
  private run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.chain.then(task, task);
    this.chain = result.catch(() => undefined);
    return result;
  }

  private async closeSocket({ drain }: { drain: boolean }): Promise<void> {
    this.closing = true;
    this.clearRetry();
    const sock = this.sock;
    const wasOpen = this.isOpen;
    this.sock = undefined;
    this.isOpen = false;
    this.clearLogin();
    if (sock && wasOpen && drain) await this.drain(sock);
    await sock?.end(undefined);
  }

  /**
   * Before a planned close (a stop, a shutdown, a hand-over to another process): nothing more is
   * read from WhatsApp (what was not read yet, WhatsApp delivers again at the next login), and the
   * messages Baileys is handling are finished while the socket is open: decrypted, receipted and
   * handed to the gateway. Cut in between, a message's Signal session step would be stored
   * without the message, and the next connection could not decrypt it again (Baileys acks the
   * repeat as a duplicate, 487): the message would be lost.
   */
  private async drain(sock: WASocket): Promise<void> {
    sock.ws.removeAllListeners("message");
    const deadline = performance.now() + DRAIN_MAX_MS;
    while (performance.now() < deadline && (this.keyOps > 0 || performance.now() - this.keyOpEnded < DRAIN_QUIET_MS)) {
      await new Promise((resolve) => setTimeout(resolve, DRAIN_QUIET_MS / 4));
    }
  }

  private clearRetry(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  private clearLogin(): void {
    this.qr = undefined;
    this.qrCount = 0;
    this.pairingCode = undefined;
  }

  private disconnect(kind: DisconnectKind, code: number, reason: string): DisconnectInfo {
    return { kind, code, reason, time: this.deps.clock.now() };
  }

  private change(patch: AccountPatch): Promise<void> {
    return this.deps.record(patch, this.extras());
  }
}

/** RequestPairingCode on an account that is not waiting for a login. */
export class NotWaitingForLoginError extends Error {
  constructor(accountId: string) {
    super(`account "${accountId}" is not waiting for login: connect it first (ConnectAccount), and it must not be linked yet`);
    this.name = "NotWaitingForLoginError";
  }
}

/** A sandbox process (simulator root trusted) tried to connect to real WhatsApp. */
export class SandboxMixError extends Error {
  constructor() {
    super("this process trusts the WhatsApp simulator's certificate root, so it refuses to connect to real WhatsApp; run sandbox and production as separate processes");
    this.name = "SandboxMixError";
  }
}
