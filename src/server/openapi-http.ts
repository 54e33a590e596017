import { existsSync, readFileSync } from "node:fs";
import type { HttpRoute } from "./server.js";

/**
 * `gen/openapi/openapi.yaml` (written by `buf generate` from the protos' HTTP rules), found beside
 * the sources (`src/server/`, run with tsx) or beside the build (`dist/src/server/`).
 */
function findSpec(): string {
  const candidates = [new URL("../../gen/openapi/openapi.yaml", import.meta.url), new URL("../../../gen/openapi/openapi.yaml", import.meta.url)];
  const found = candidates.find((u) => existsSync(u));
  if (!found) throw new Error(`gen/openapi/openapi.yaml not found (looked at ${candidates.map((u) => u.pathname).join(", ")}): run npx buf generate`);
  return readFileSync(found, "utf8");
}

/** `GET /openapi.yaml`: the OpenAPI 3 description of the Connect JSON surface. Public, like /healthz. */
export function openApiRoute(): HttpRoute {
  const spec = Buffer.from(findSpec());
  return {
    prefix: "/openapi.yaml",
    handle(req, res) {
      if (req.url !== "/openapi.yaml" && !req.url?.startsWith("/openapi.yaml?")) {
        res.writeHead(404, { "content-type": "application/json" });
        res.end(JSON.stringify({ code: "not_found", message: `no route for ${req.method} ${req.url}` }));
        return;
      }
      if (req.method !== "GET" && req.method !== "HEAD") {
        res.writeHead(405, { allow: "GET, HEAD", "content-type": "application/json" });
        res.end(JSON.stringify({ code: "unimplemented", message: "GET /openapi.yaml" }));
        return;
      }
      res.writeHead(200, { "content-type": "application/yaml; charset=utf-8", "content-length": spec.length, "cache-control": "no-cache" });
      if (req.method === "HEAD") res.end();
      else res.end(spec);
    },
  };
}
