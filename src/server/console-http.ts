import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { HttpRoute } from "./server.js";

const PREFIX = "/console";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json",
  ".png": "image/png",
  ".svg": "image/svg+xml",
};

/**
 * The page holds an API key: it may load nothing but itself, talk to nothing but this origin,
 * show images it made (the QR code as a blob: URL), and never be framed.
 */
const SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};

/**
 * The web console's built files (`npm run build` writes them to `dist/console/`), found beside the
 * sources (`src/server/`, run with tsx) or beside the build (`dist/src/server/`).
 */
export function findConsoleDir(): string | undefined {
  const candidates = [new URL("../../dist/console/", import.meta.url), new URL("../../console/", import.meta.url)];
  const found = candidates.find((u) => existsSync(new URL("index.html", u)));
  return found && fileURLToPath(found);
}

/**
 * `GET /console/…`: the web console, static files only. It needs no key to load (it holds none);
 * the person signs in with a key inside it, and every call it makes is an RPC that checks the key.
 */
export function consoleRoute(dir: string | undefined = findConsoleDir()): HttpRoute {
  return {
    prefix: PREFIX,
    handle(req, res) {
      const path = (req.url ?? "/").split("?")[0];
      const answer = (status: number, body: string, type = "text/plain; charset=utf-8") => {
        res.writeHead(status, { "content-type": type, ...SECURITY_HEADERS });
        res.end(body);
      };
      if (path !== PREFIX && !path.startsWith(`${PREFIX}/`)) {
        res.writeHead(404, { "content-type": "application/json" });
        res.end(JSON.stringify({ code: "not_found", message: `no route for ${req.method} ${path}` }));
        return;
      }
      if (req.method !== "GET" && req.method !== "HEAD") {
        res.setHeader("allow", "GET, HEAD");
        return answer(405, "the console is static: GET only");
      }
      if (path === PREFIX) {
        res.writeHead(308, { location: `${PREFIX}/` });
        res.end();
        return;
      }
      if (!dir) return answer(503, "The web console is not built. Run `npm run build` (npm start and npm run sandbox do it), then reload.");
      let rel: string;
      try {
        rel = decodeURIComponent(path.slice(PREFIX.length + 1)) || "index.html";
      } catch {
        return answer(400, "malformed path");
      }
      const file = normalize(join(dir, rel));
      if (!file.startsWith(dir.endsWith(sep) ? dir : dir + sep) || rel.includes("\0")) return answer(404, "not found");
      readFile(file).then(
        (body) => {
          res.writeHead(200, {
            "content-type": TYPES[extname(file)] ?? "application/octet-stream",
            "content-length": String(body.length),
            // Names are not content-hashed: always revalidate, so a rebuilt console is picked up.
            "cache-control": "no-cache",
            ...SECURITY_HEADERS,
          });
          if (req.method === "HEAD") res.end();
          else res.end(body);
        },
        () => answer(404, "not found"),
      );
    },
  };
}
