import { Code, ConnectError, type ConnectRouter } from "@connectrpc/connect";
import { Health, HealthCheckResponse_ServingStatus as Status } from "../../gen/grpc/health/v1/health_pb.js";

/**
 * The serving status of the whole server ("") and of each service, for
 * grpc.health.v1 and the plain HTTP probe. Goes NOT_SERVING at shutdown (for good)
 * and while the store is unreachable (until it is back): every service needs the store.
 */
export class HealthState {
  private serving = true;
  private storeAvailable = true;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly services: readonly string[]) {}

  /** Status of a service, or undefined when the name is unknown. */
  status(service: string): Status | undefined {
    if (service !== "" && !this.services.includes(service)) return undefined;
    return this.isServing() ? Status.SERVING : Status.NOT_SERVING;
  }

  isServing(): boolean {
    return this.serving && this.storeAvailable;
  }

  /** Why the server is not serving, for the plain HTTP probe; undefined while it serves. */
  reason(): string | undefined {
    if (!this.serving) return "shutting down";
    if (!this.storeAvailable) return "store unreachable";
    return undefined;
  }

  setNotServing(): void {
    this.serving = false;
    for (const l of this.listeners) l();
  }

  /** The store came or went (see `StoreHealth`). */
  setStoreAvailable(available: boolean): void {
    if (available === this.storeAvailable) return;
    this.storeAvailable = available;
    for (const l of this.listeners) l();
  }

  /** Calls `listener` at each change until `signal` aborts. */
  onChange(listener: () => void, signal: AbortSignal): void {
    this.listeners.add(listener);
    signal.addEventListener("abort", () => this.listeners.delete(listener), { once: true });
  }

  names(): string[] {
    return ["", ...this.services];
  }
}

export function healthRoutes(state: HealthState) {
  return (router: ConnectRouter) =>
    router.service(Health, {
      check(req) {
        const status = state.status(req.service);
        if (status === undefined) throw new ConnectError(`unknown service ${req.service}`, Code.NotFound);
        return { status };
      },
      list() {
        return { statuses: Object.fromEntries(state.names().map((n) => [n, { status: state.status(n)! }])) };
      },
      async *watch(req, ctx) {
        let last: Status | undefined;
        let wake = () => {};
        state.onChange(() => wake(), ctx.signal);
        ctx.signal.addEventListener("abort", () => wake(), { once: true });
        for (;;) {
          const status = state.status(req.service) ?? Status.SERVICE_UNKNOWN;
          if (status !== last) {
            last = status;
            yield { status };
          }
          // After the last status is out: at shutdown, the client sees NOT_SERVING, then unavailable.
          if (ctx.signal.aborted) throw ctx.signal.reason;
          await new Promise<void>((resolve) => (wake = resolve));
        }
      },
    });
}
