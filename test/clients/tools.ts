import { execFileSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

/**
 * A tool a client test needs (Go, Python with grpcio). Missing outside CI: the test is
 * skipped with a loud warning. Missing in CI (`CI=true`): the test fails, since `.ci/run` installs
 * every one of them.
 */
export interface Tool {
  /** The executable, or undefined when it is missing. */
  readonly path: string | undefined;
  /** Why it is missing and how to install it. */
  readonly help: string;
}

export function findExecutable(names: string[], extraDirs: string[] = []): string | undefined {
  const dirs = [...extraDirs, ...(process.env.PATH ?? "").split(delimiter)].filter((d) => d !== "");
  for (const name of names) {
    const candidates = name.includes("/") ? [name] : dirs.map((d) => join(d, name));
    const found = candidates.find((c) => {
      try {
        accessSync(c, constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
    if (found) return found;
  }
  return undefined;
}

export function goTool(): Tool {
  return { path: findExecutable(["go"], ["/usr/local/go/bin"]), help: "Go is not installed (/usr/local/go/bin/go or go on PATH)" };
}

/** Debian's /usr/bin/python3 (not a pyenv one first on PATH), with the grpc and protobuf modules. */
export function pythonGrpcTool(): Tool {
  const python = process.env.WILDCAT_PYTHON ?? findExecutable(["/usr/bin/python3", "python3"]);
  const help = "python3 with grpcio and protobuf is missing: apt-get install -y python3-grpcio python3-protobuf";
  if (!python) return { path: undefined, help };
  try {
    execFileSync(python, ["-c", "import grpc, google.protobuf"], { stdio: "ignore" });
    return { path: python, help };
  } catch {
    return { path: undefined, help: `${python} cannot import grpc and google.protobuf: apt-get install -y python3-grpcio python3-protobuf` };
  }
}


/** True when the tool is there; otherwise warns loudly (and throws in CI). Call at collection time. */
export function available(tool: Tool, what: string): boolean {
  if (tool.path) return true;
  if (process.env.CI === "true") throw new Error(`${what}: ${tool.help}. CI installs it in .ci/run.`);
  console.warn(`\n${"!".repeat(100)}\n!! ${what}: ${tool.help}.\n!! This client test is SKIPPED in this run.\n${"!".repeat(100)}\n`);
  return false;
}

/** Debian's Chromium (apt-get install -y chromium), which the console test drives with playwright-core. */
export function chromiumTool(): Tool {
  return {
    path: findExecutable(process.env.WILDCAT_CHROMIUM ? [process.env.WILDCAT_CHROMIUM] : ["/usr/bin/chromium", "chromium"]),
    help: "Chromium is not installed: apt-get install -y chromium (.ci/install-clients.sh does it)",
  };
}
