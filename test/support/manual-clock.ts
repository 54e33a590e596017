import type { Clock } from "../../src/clock.js";

/** A clock that moves only when a test advances it. */
export class ManualClock implements Clock {
  constructor(private t: number) {}
  now() {
    return new Date(this.t);
  }
  advance(ms: number) {
    this.t += ms;
  }
}
