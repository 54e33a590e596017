import { EventEmitter } from "node:events";
import type { Client } from "@connectrpc/connect";
import type { AccountService, WatchAccountResponse } from "../../gen/wildcat/v1/account_service_pb.js";

/** Follows WatchAccount over a real client and lets a test wait for a snapshot, no sleeps. */
export class AccountWatcher {
  readonly snapshots: WatchAccountResponse[] = [];
  private readonly abort = new AbortController();
  private readonly changes = new EventEmitter();
  private ended?: unknown;

  constructor(client: Client<typeof AccountService>, accountId: string) {
    void (async () => {
      try {
        for await (const s of client.watchAccount({ accountId }, { signal: this.abort.signal })) {
          this.snapshots.push(s);
          this.changes.emit("change");
        }
        this.ended = "ended";
      } catch (e) {
        this.ended = e;
      }
      this.changes.emit("change");
    })();
  }

  /** The first snapshot at index `from` or later that satisfies `predicate`. */
  until(predicate: (s: WatchAccountResponse) => boolean, from = 0, timeoutMs = 30_000): Promise<WatchAccountResponse> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.snapshots.slice(from).find(predicate);
        if (found) return done(() => resolve(found));
        if (this.ended !== undefined) return done(() => reject(new Error(`watch ended (${String(this.ended)}) before the expected snapshot`)));
      };
      const timer = setTimeout(() => done(() => reject(new Error(`no matching snapshot in ${timeoutMs} ms; states: ${this.states().join(" → ")}`))), timeoutMs);
      const done = (settle: () => void) => {
        clearTimeout(timer);
        this.changes.off("change", check);
        settle();
      };
      this.changes.on("change", check);
      check();
    });
  }

  /** The sequence of account states seen so far. */
  states(): number[] {
    return this.snapshots.map((s) => s.account!.state);
  }

  close(): void {
    this.abort.abort();
  }
}
