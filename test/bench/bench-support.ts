import { createHash, randomBytes } from "node:crypto";

const mib = 1024 * 1024;
const block = randomBytes(mib);

/** `sizeMiB` pieces of 1 MiB, each different (its index in the first bytes). */
export function* pieces(sizeMiB: number): Generator<Buffer> {
  for (let i = 0; i < sizeMiB; i++) {
    const piece = Buffer.from(block);
    piece.writeUInt32BE(i, 0);
    yield piece;
  }
}

/** Reads a stream to its end, hashing it: the store hashes on the way in, so reads do the same work. */
export async function drain(stream: AsyncIterable<unknown>): Promise<void> {
  const hash = createHash("sha256");
  for await (const part of stream) hash.update(part as Buffer);
}

/** Runs `fn` and returns the throughput of moving `sizeMiB` MiB in that time, in MiB/s. */
export async function time(sizeMiB: number, fn: () => Promise<void>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return sizeMiB / (Number(process.hrtime.bigint() - start) / 1e9);
}
