import { cursorDistance } from "../store/events.js";

/** One open StreamMessages subscriber's reader of the event log. */
export interface StreamReader {
  /** The last log position its reader has examined (events it skipped by filter included). */
  position: string | undefined;
  /** Stops counting it: its stream ended. */
  close(): void;
}

/**
 * Where every open StreamMessages subscriber is in the event log, so the lag gauge can say how
 * far the slowest one is behind: log positions its reader has not examined yet, plus events read
 * but still queued for its client.
 */
export class StreamReaders {
  readonly #open = new Set<{ reader: StreamReader; queued: () => number }>();

  open(position: string | undefined, queued: () => number): StreamReader {
    const entry = {
      reader: {
        position,
        close: () => {
          this.#open.delete(entry);
        },
      },
      queued,
    };
    this.#open.add(entry);
    return entry.reader;
  }

  /** The largest lag of an open subscriber behind `latest`; 0 with none open. */
  maxLag(latest: string | undefined): number {
    let max = 0;
    for (const { reader, queued } of this.#open) max = Math.max(max, cursorDistance(reader.position, latest) + queued());
    return max;
  }
}
