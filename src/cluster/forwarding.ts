import type { DescService } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, type Client, type HandlerContext, type ServiceImpl, type Transport } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import type { Logger } from "../logger.js";
import { holderUrl, type Ownership } from "./ownership.js";

/** Set on a forwarded call: the process that forwarded it. A forwarded call is never forwarded again. */
export const FORWARDED_HEADER = "wildcat-forwarded-by";

/**
 * Methods served from the store by any process (reads); every other method of a wrapped
 * service needs the account's socket and goes to its owner.
 */
const LOCAL_METHODS = new Set([
  "wildcat.v1.AccountService.CreateAccount",
  "wildcat.v1.AccountService.GetAccount",
  "wildcat.v1.AccountService.ListAccounts",
  "wildcat.v1.AccountService.UpdateAccount",
  "wildcat.v1.MessageService.GetMessage",
  "wildcat.v1.MessageService.ListMessages",
  "wildcat.v1.MessageService.StreamMessages",
  "wildcat.v1.ChatService.ListChats",
  "wildcat.v1.ChatService.GetChat",
  "wildcat.v1.ContactService.ListContacts",
  "wildcat.v1.ContactService.GetContact",
  "wildcat.v1.GroupService.GetGroup",
  "wildcat.v1.GroupService.ListGroups",
]);

/** Unary calls answered here vs. forwarded to the owner, for the cluster benchmark and metrics. */
export interface ForwardingCounts {
  local: number;
  forwarded: number;
}

/**
 * Cluster mode's "any node serves any call": a socket-needing call for an account another
 * live process owns is made again on the owner, over the same contract (Connect, binary, h2c,
 * at the owner's ADVERTISE_URL), with the caller's Authorization and what is left of its
 * deadline; the owner authenticates and authorizes it again. A call with no owner, or owned
 * here, runs here.
 */
export class Forwarder {
  private readonly transports = new Map<string, Transport>();
  private readonly clients = new Map<string, Client<DescService>>();
  readonly counts: ForwardingCounts = { local: 0, forwarded: 0 };

  constructor(
    private readonly ownership: Ownership,
    private readonly logger: Logger,
  ) {}

  /** The implementation with every socket-needing method forwarded when another process owns the account. */
  wrap<S extends DescService>(service: S, impl: ServiceImpl<S>): ServiceImpl<S> {
    const out: Record<string, unknown> = {};
    const local = impl as unknown as Record<string, (req: unknown, ctx: HandlerContext) => unknown>;
    for (const method of service.methods) {
      const own = local[method.localName]?.bind(impl);
      if (!own) continue;
      if (LOCAL_METHODS.has(`${service.typeName}.${method.name}`)) {
        out[method.localName] = own;
        continue;
      }
      if (method.methodKind === "unary") {
        out[method.localName] = async (req: { accountId?: string }, ctx: HandlerContext) => {
          const owner = await this.remoteOwner(req.accountId, ctx);
          if (!owner) {
            this.counts.local++;
            return own(req, ctx);
          }
          this.counts.forwarded++;
          const client = this.client(service, owner) as unknown as Record<string, (req: unknown, opts: object) => Promise<unknown>>;
          return this.whileOwner(req.accountId!, owner, ctx, (signal) => client[method.localName](req, this.callOptions(ctx, signal)));
        };
      } else if (method.methodKind === "server_streaming") {
        const forwarder = this;
        out[method.localName] = async function* (req: { accountId?: string }, ctx: HandlerContext) {
          // The owner may die or hand the account over mid-stream: the stream then goes on from
          // wherever the account is now (a new snapshot first), rather than ending on the client.
          for (;;) {
            const owner = await forwarder.remoteOwner(req.accountId, ctx);
            if (!owner) {
              yield* own(req, ctx) as AsyncIterable<unknown>;
              return;
            }
            const client = forwarder.client(service, owner) as unknown as Record<string, (req: unknown, opts: object) => AsyncIterable<unknown>>;
            // An owner frozen past its lease never answers: the stream is cut once the account moves.
            const cut = new AbortController();
            const onAbort = () => cut.abort();
            ctx.signal.addEventListener("abort", onAbort, { once: true });
            forwarder.ownership.movedFrom(req.accountId!, owner, cut.signal).then(
              () => cut.abort(new ConnectError("the account's owner changed", Code.Unavailable)),
              () => undefined,
            );
            try {
              yield* client[method.localName](req, forwarder.callOptions(ctx, cut.signal));
              return;
            } catch (e) {
              const code = ConnectError.from(e).code;
              if (ctx.signal.aborted || !(code === Code.Unavailable || code === Code.Canceled || code === Code.Aborted)) throw e;
              forwarder.logger.info({ owner, rpc: method.name, code: Code[code] }, "a forwarded stream's owner went away: following the account's new owner");
              await forwarder.ownership.settled(req.accountId!, owner, ctx.signal);
            } finally {
              ctx.signal.removeEventListener("abort", onAbort);
              cut.abort();
            }
          }
        };
      } else {
        out[method.localName] = own; // no client-streaming method names an account up front
      }
    }
    return out as ServiceImpl<S>;
  }

  /** The owner's URL when another live process owns the account and the call was not forwarded already. */
  private async remoteOwner(accountId: string | undefined, ctx: HandlerContext): Promise<string | undefined> {
    if (!accountId || ctx.requestHeader.get(FORWARDED_HEADER)) return undefined;
    const owner = await this.ownership.owner(accountId);
    if (!owner || owner.holder === this.ownership.holder) return undefined;
    return holderUrl(owner.holder);
  }

  /**
   * Runs a forwarded unary call, cut with `unavailable` if the account moves away from `owner`
   * meanwhile (a frozen or partitioned owner would otherwise hold it to the deadline). Not retried
   * elsewhere: the old owner may have acted on it; the caller decides.
   */
  private async whileOwner<T>(accountId: string, owner: string, ctx: HandlerContext, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const cut = new AbortController();
    const onAbort = () => cut.abort(ctx.signal.reason);
    ctx.signal.addEventListener("abort", onAbort, { once: true });
    let moved = false;
    this.ownership.movedFrom(accountId, owner, cut.signal).then(
      () => {
        moved = true;
        cut.abort();
      },
      () => undefined,
    );
    try {
      return await call(cut.signal);
    } catch (e) {
      if (moved) throw new ConnectError(`the account's owner (${owner}) lost it while the call was forwarded; retry`, Code.Unavailable);
      throw e;
    } finally {
      ctx.signal.removeEventListener("abort", onAbort);
      cut.abort();
    }
  }

  private callOptions(ctx: HandlerContext, signal: AbortSignal) {
    const headers = new Headers({ [FORWARDED_HEADER]: this.ownership.holder });
    const authorization = ctx.requestHeader.get("authorization");
    if (authorization) headers.set("authorization", authorization);
    const timeoutMs = ctx.timeoutMs();
    if (timeoutMs !== undefined && timeoutMs <= 0) throw new ConnectError("the deadline passed before the call could be forwarded to the account's owner", Code.DeadlineExceeded);
    return { headers, signal, timeoutMs };
  }

  private client(service: DescService, url: string): Client<DescService> {
    const key = `${service.typeName} ${url}`;
    let client = this.clients.get(key);
    if (!client) {
      let transport = this.transports.get(url);
      if (!transport) {
        transport = createConnectTransport({ baseUrl: url, httpVersion: "2", useBinaryFormat: true });
        this.transports.set(url, transport);
        this.logger.debug({ url }, "forwarding calls to a peer");
      }
      client = createClient(service, transport);
      this.clients.set(key, client);
    }
    return client;
  }
}

