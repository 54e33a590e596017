import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a TypeScript file of this repo in a fresh Node process (through tsx, which vitest's
 * toolchain already installs), for tests that need a process to die or to measure its memory.
 */
export function runTsChild(script: string, env: Record<string, string>, nodeArgs: string[] = []): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawnTsChild(script, env, nodeArgs);
    child.stdin.end();
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d));
    child.stderr.on("data", (d: Buffer) => (stderr += d));
    child.once("error", reject);
    child.once("exit", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Starts a TypeScript file of this repo in a fresh Node process with piped stdio, for tests that talk to it. */
export function spawnTsChild(script: string, env: Record<string, string>, nodeArgs: string[] = []): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [...nodeArgs, "--import", "tsx", script], { cwd: root, env: { ...process.env, ...env }, stdio: "pipe" });
}
