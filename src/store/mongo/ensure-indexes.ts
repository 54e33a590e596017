import type { Collection, Document, IndexDescription } from "mongodb";

/**
 * Creates indexes one per command. FerretDB v1.24 drops the connection when a single
 * createIndexes command names several indexes that all exist already (what every restart
 * does); one index per command is a no-op there, as on MongoDB.
 */
export async function ensureIndexes<T extends Document>(collection: Collection<T>, specs: IndexDescription[]): Promise<void> {
  for (const spec of specs) await collection.createIndexes([spec]);
}
