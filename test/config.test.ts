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

  it("when ADVERTISE_URL is set without MONGODB_URI, then it is refused: processes share accounts through MongoDB", () => {
    expect(() => loadConfig({ ADVERTISE_URL: "http://10.0.0.7:8080" })).toThrow(/ADVERTISE_URL is set \(cluster mode\): MONGODB_URI is required/);
    const config = loadConfig({ ADVERTISE_URL: "http://10.0.0.7:8080/", MONGODB_URI: "mongodb://127.0.0.1:1/", AUTH_STATE_KEY: "b".repeat(64) });
    expect(config.advertiseUrl).toBe("http://10.0.0.7:8080");
    expect(() => loadConfig({ ADVERTISE_URL: "10.0.0.7:8080" })).toThrow(/ADVERTISE_URL="10.0.0.7:8080": must be an http\(s\) URL/);
  });

  it("when the cluster limits are at their bounds, then they are accepted, and one past is refused", () => {
    expect(loadConfig({})).toMatchObject({ accountLeaseTtlMs: 15_000, maxAccountsPerProcess: 10_000, eventPollMs: 250 });
    expect(loadConfig({ ACCOUNT_LEASE_TTL_MS: "1000", MAX_ACCOUNTS_PER_PROCESS: "1", EVENT_POLL_MS: "10" })).toMatchObject({ accountLeaseTtlMs: 1000, maxAccountsPerProcess: 1, eventPollMs: 10 });
    expect(loadConfig({ ACCOUNT_LEASE_TTL_MS: "600000", MAX_ACCOUNTS_PER_PROCESS: "1000000", EVENT_POLL_MS: "60000" })).toMatchObject({ accountLeaseTtlMs: 600_000 });
    expect(() => loadConfig({ ACCOUNT_LEASE_TTL_MS: "999" })).toThrow(/ACCOUNT_LEASE_TTL_MS/);
    expect(() => loadConfig({ ACCOUNT_LEASE_TTL_MS: "600001" })).toThrow(/ACCOUNT_LEASE_TTL_MS/);
    expect(() => loadConfig({ MAX_ACCOUNTS_PER_PROCESS: "0" })).toThrow(/MAX_ACCOUNTS_PER_PROCESS/);
    expect(() => loadConfig({ MAX_ACCOUNTS_PER_PROCESS: "1000001" })).toThrow(/MAX_ACCOUNTS_PER_PROCESS/);
    expect(() => loadConfig({ EVENT_POLL_MS: "9" })).toThrow(/EVENT_POLL_MS/);
    expect(() => loadConfig({ EVENT_POLL_MS: "60001" })).toThrow(/EVENT_POLL_MS/);
  });

  it("when a key exists, then README's configuration table documents it", () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    for (const key of Object.values(CONFIG_KEYS)) expect(readme).toContain(`| \`${key.name}\` |`);
  });
});
