import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { accessSync, constants, mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { MongoClient } from "mongodb";

/** The FerretDB release the suite is written against (see `.ci/install-ferretdb.sh`). */
export const ferretDbVersion = "v1.24.2";

/**
 * A database name no other test file uses, so files can share one server in parallel.
 * Kept to `[A-Za-z0-9_]` and well under 63 characters, which FerretDB requires.
 */
export function uniqueDbName(prefix: string): string {
  const safe = prefix.replace(/[^A-Za-z0-9_]/g, "_").slice(0, 32);
  return `${safe}_${process.pid}_${randomBytes(4).toString("hex")}`;
}

/** Drops a test database (its own connection, closed after). */
export async function dropDatabase(uri: string, dbName: string): Promise<void> {
  const client = new MongoClient(uri);
  try {
    await client.db(dbName).dropDatabase();
  } finally {
    await client.close();
  }
}

/**
 * The FerretDB binary: `$FERRETDB_BIN`, else `$(go env GOPATH)/bin/ferretdb`, else `ferretdb`
 * on PATH; undefined when there is none.
 */
export function findFerretDbBinary(): string | undefined {
  const explicit = process.env.FERRETDB_BIN;
  if (explicit) {
    if (!isExecutable(explicit)) throw new Error(`FERRETDB_BIN=${explicit} is not an executable file`);
    return explicit;
  }
  const gopath = goPath();
  const dirs = [...(gopath ? [join(gopath, "bin")] : []), ...(process.env.PATH ?? "").split(delimiter)];
  return dirs
    .filter((dir) => dir !== "")
    .map((dir) => join(dir, "ferretdb"))
    .find(isExecutable);
}

export interface FerretDb {
  /** `mongodb://127.0.0.1:PORT/` */
  readonly uri: string;
  /** Stops the server and removes its data. */
  stop(): Promise<void>;
  /** Kills the server (SIGKILL, as in a crash or a lost host) and keeps its data, for {@link restart}. */
  kill(): Promise<void>;
  /** Starts a killed server again on the same port with the same data; resolves once it answers ping. */
  restart(): Promise<void>;
}

/**
 * Starts FerretDB with its SQLite backend in a fresh temp dir on a free loopback port and
 * resolves once it answers `ping`.
 */
export async function startFerretDb(binary: string, { startTimeoutMs = 20_000 } = {}): Promise<FerretDb> {
  const dir = mkdtempSync(join(tmpdir(), "wildcat-ferretdb-"));
  try {
    // The free port is found by closing a listener, so another process may take it before
    // FerretDB binds; that shows up as an early exit, and a new port is tried.
    for (let attempt = 1; ; attempt++) {
      try {
        return await startOnce(binary, dir, await freePort(), startTimeoutMs);
      } catch (err) {
        if (!(err instanceof EarlyExitError) || attempt === 3) throw err;
      }
    }
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

class EarlyExitError extends Error {}

async function startOnce(binary: string, dir: string, port: number, startTimeoutMs: number): Promise<FerretDb> {
  const dataDir = join(dir, "data");
  const logPath = join(dir, "ferretdb.log");
  mkdirSync(dataDir, { recursive: true });
  const args = [
    "--handler=sqlite",
    `--sqlite-url=file:${dataDir}/`,
    `--state-dir=${dir}`,
    `--listen-addr=127.0.0.1:${port}`,
    "--debug-addr=-",
    "--telemetry=disable",
    "--log-level=warn",
  ];
  const log = openSync(logPath, "w");
  const child = spawn(binary, args, { stdio: ["ignore", log, log] });
  closeSync(log);
  const exited = new Promise<number | string | null>((resolve) => {
    child.once("exit", (code, signal) => resolve(code ?? signal));
    child.once("error", (err) => resolve(err.message)); // spawn itself failed
  });
  // If vitest itself is torn down abruptly, do not leave the server running.
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);

  const uri = `mongodb://127.0.0.1:${port}/`;
  const stop = async () => {
    process.removeListener("exit", killOnExit);
    await stopChild(child, exited);
    rmSync(dir, { recursive: true, force: true });
  };
  // After a kill, the running instance is a new one; stop() then stops that one.
  let current: FerretDb | undefined;
  const handle: FerretDb = {
    uri,
    stop: () => (current ? current.stop() : stop()),
    async kill() {
      if (current) return current.kill();
      process.removeListener("exit", killOnExit);
      child.kill("SIGKILL");
      await exited;
    },
    async restart() {
      if (current) return current.restart();
      current = await startOnce(binary, dir, port, startTimeoutMs);
    },
  };

  // The driver's server monitor keeps retrying until the selection timeout, so one connect
  // waits for the server to come up; an exit of the process ends the wait at once.
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: startTimeoutMs, directConnection: true });
  const ready = client
    .connect()
    .then(() => client.db("admin").command({ ping: 1 }))
    .then(() => "ready" as const);
  ready.catch(() => {}); // observed by the race; this only silences it when the exit wins
  let outcome: "ready" | { code: number | string | null };
  try {
    outcome = await Promise.race([ready, exited.then((code) => ({ code }))]);
  } catch (err) {
    process.removeListener("exit", killOnExit);
    await stopChild(child, exited);
    throw new Error(`FerretDB did not answer ping within ${startTimeoutMs} ms\n${tail(logPath)}`, { cause: err });
  } finally {
    await client.close();
  }
  if (outcome !== "ready") {
    process.removeListener("exit", killOnExit);
    throw new EarlyExitError(
      `FerretDB exited (${outcome.code}) while starting: ${binary} ${args.join(" ")}\n` +
        `(a binary from plain \`go install\` panics at start; .ci/install-ferretdb.sh builds a working one)\n` +
        tail(logPath),
    );
  }
  return handle;
}

async function stopChild(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

/** A free loopback port (found by closing a listener, so another process may take it first). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

function goPath(): string | undefined {
  try {
    return execFileSync("go", ["env", "GOPATH"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim() || undefined;
  } catch {
    return undefined;
  }
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function tail(path: string): string {
  try {
    return readFileSync(path, "utf8").split("\n").slice(-30).join("\n");
  } catch {
    return "(no log)";
  }
}
