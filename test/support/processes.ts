import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = new URL("../..", import.meta.url).pathname;

/** A composition root (e.g. `src/main.ts`) run as its own process, its stdout kept line by line. */
export class NodeProcess {
  readonly lines: string[] = [];
  readonly child: ChildProcessWithoutNullStreams;
  private stderrText = "";

  constructor(entry: string, env: Record<string, string>, nodeArgs: string[] = []) {
    // Node itself with tsx as a loader, not the tsx CLI: the CLI runs the script in a child
    // process, so a SIGKILL would kill only the wrapper and leave the program running, orphaned.
    this.child = spawn(process.execPath, [...nodeArgs, "--import", "tsx", new URL(`../../${entry}`, import.meta.url).pathname], {
      cwd: ROOT,
      env: { ...process.env, ...env },
    });
    let partial = "";
    this.child.stdout.setEncoding("utf8").on("data", (d: string) => {
      const parts = (partial + d).split("\n");
      partial = parts.pop()!;
      this.lines.push(...parts);
      this.child.emit("line");
    });
    this.child.stderr.setEncoding("utf8").on("data", (d: string) => (this.stderrText += d));
  }

  get stderr(): string {
    return this.stderrText;
  }

  /** The first stdout line that satisfies `match`, waiting for it (fails if the process exits first). */
  line(match: (line: string) => boolean, timeoutMs = 60_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.lines.find(match);
        if (found !== undefined) finish(() => resolve(found));
      };
      const onExit = (code: number | null) => finish(() => reject(new Error(`exited with ${code} before the line; stderr: ${this.stderrText}`)));
      const timer = setTimeout(() => finish(() => reject(new Error(`no such line in ${timeoutMs} ms; stdout: ${this.lines.join("\n")}`))), timeoutMs);
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        this.child.off("line", check);
        this.child.off("exit", onExit);
        settle();
      };
      this.child.on("line", check);
      this.child.once("exit", onExit);
      check();
    });
  }

  /** SIGTERM, then the exit code. */
  async stop(): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.child.exitCode;
    this.child.kill("SIGTERM");
    const [code] = (await once(this.child, "exit")) as [number | null];
    return code;
  }
}

/** The processes and temp dirs of one test file; `cleanup()` after each test. */
export function processHarness() {
  const dirs: string[] = [];
  const processes: NodeProcess[] = [];
  return {
    /** Runs `entry` on a free port with `dataDir` (`nodeArgs` go to Node, e.g. `--cpu-prof`). */
    start(entry: string, dataDir: string, env: Record<string, string> = {}, nodeArgs: string[] = []): NodeProcess {
      const p = new NodeProcess(entry, { PORT: "0", HOST: "127.0.0.1", DATA_DIR: dataDir, LOG_LEVEL: "info", ...env }, nodeArgs);
      processes.push(p);
      return p;
    },
    tempDir(): string {
      const d = mkdtempSync(join(tmpdir(), "wildcat-proc-"));
      dirs.push(d);
      return d;
    },
    async cleanup(): Promise<void> {
      await Promise.all(processes.splice(0).map((p) => p.stop()));
      for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
    },
  };
}
