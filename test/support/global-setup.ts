// Makes "vitest" resolvable here, which the augmentation below needs.
import type {} from "vitest";
import type { TestProject } from "vitest/node";
import { ferretDbVersion, findFerretDbBinary, startFerretDb } from "./ferretdb.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** MongoDB-wire server for store tests; empty when none is available (local runs only). */
    mongodbUri: string;
  }
}

/**
 * Provides `mongodbUri`: `$MONGODB_URI` when set, otherwise a FerretDB started for this run.
 * On CI a missing server fails the run; locally the Mongo suites are skipped, loudly.
 */
export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const external = process.env.MONGODB_URI;
  if (external) {
    project.provide("mongodbUri", external);
    return undefined;
  }

  const binary = findFerretDbBinary();
  if (!binary) {
    const help = `No MongoDB-wire server for the store tests: set MONGODB_URI, or install FerretDB ${ferretDbVersion} with .ci/install-ferretdb.sh (or point FERRETDB_BIN at it).`;
    if (process.env.CI === "true") throw new Error(help);
    console.warn(`\n${"!".repeat(100)}\n!! ${help}\n!! MongoDB suites are SKIPPED in this run.\n${"!".repeat(100)}\n`);
    project.provide("mongodbUri", "");
    return undefined;
  }

  const ferretDb = await startFerretDb(binary);
  project.provide("mongodbUri", ferretDb.uri);
  return () => ferretDb.stop();
}
