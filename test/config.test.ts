import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { CONFIG_KEYS, ConfigError, loadConfig } from "../src/config.js";

describe("configuration", () => {
  it("when nothing is set, then the documented defaults apply", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 8080, mongodbDb: "wildcat", logLevel: "info", corsOrigins: [], maxRequestBytes: 4 * 1024 * 1024 });
    expect(config.dataDir).toMatch(/\/data$/);
    expect(config.mongodbUri).toBeUndefined();
  });

  it("when PORT is 0, then it is accepted (a free port is picked at listen)", () => {
    expect(loadConfig({ PORT: "0" }).port).toBe(0);
  });

  it("when CORS_ORIGINS lists origins, then each is kept", () => {
    expect(loadConfig({ CORS_ORIGINS: "https://a.example, http://localhost:5173" }).corsOrigins).toEqual(["https://a.example", "http://localhost:5173"]);
  });

  it("when several values are bad, then one error names every bad key", () => {
    const bad = () => loadConfig({ PORT: "http", MONGODB_URI: "postgres://secret@x", CORS_ORIGINS: "example.com/path", MAX_REQUEST_BYTES: "1" });
    expect(bad).toThrow(ConfigError);
    const message = (() => {
      try {
        bad();
      } catch (e) {
        return (e as Error).message;
      }
    })();
    expect(message).toContain("PORT");
    expect(message).toContain("MONGODB_URI=(hidden)");
    expect(message).not.toContain("secret");
    expect(message).toContain("CORS_ORIGINS");
    expect(message).toContain("MAX_REQUEST_BYTES");
  });

  it("when MONGODB_URI is set without AUTH_STATE_KEY, then it is refused: hosts sharing a database need one key", () => {
    expect(() => loadConfig({ MONGODB_URI: "mongodb://127.0.0.1:1/" })).toThrow(/AUTH_STATE_KEY is required/);
    expect(loadConfig({ MONGODB_URI: "mongodb://127.0.0.1:1/", AUTH_STATE_KEY: "b".repeat(64) }).mongodbUri).toBe("mongodb://127.0.0.1:1/");
  });

  it("when AUTH_STATE_PREVIOUS_KEYS lists keys, then each must be 32 bytes", () => {
    expect(loadConfig({ AUTH_STATE_PREVIOUS_KEYS: `${"c".repeat(64)}, ${"d".repeat(64)}` }).authStatePreviousKeys).toHaveLength(2);
    expect(() => loadConfig({ AUTH_STATE_PREVIOUS_KEYS: "short" })).toThrow(/AUTH_STATE_PREVIOUS_KEYS=\(hidden\)/);
  });

  it("when AUTH_STATE_KEY is not 32 bytes, then it is refused without echoing it", () => {
    expect(() => loadConfig({ AUTH_STATE_KEY: "c2hvcnQ=" })).toThrow(/AUTH_STATE_KEY=\(hidden\): must be 32 bytes/);
    expect(loadConfig({ AUTH_STATE_KEY: "a".repeat(64) }).authStateKey).toBe("a".repeat(64));
  });

  it("when a key exists, then README's configuration table documents it", () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    for (const key of Object.values(CONFIG_KEYS)) expect(readme).toContain(`| \`${key.name}\` |`);
  });
});
