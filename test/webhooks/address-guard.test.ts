import { describe, expect, it } from "vitest";
import { AddressGuard } from "../../src/webhooks/address-guard.js";

const HOST = "hooks.example.com";

describe("AddressGuard with no allow list", () => {
  const guard = new AddressGuard([]);

  it.each([
    ["127.0.0.1", "loopback"],
    ["127.255.255.254", "loopback"],
    ["::1", "loopback"],
    ["10.0.0.1", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["192.168.1.1", "private"],
    ["169.254.169.254", "linkLocal"],
    ["169.254.0.1", "linkLocal"],
    ["fe80::1", "linkLocal"],
    ["fe80::1%eth0", "linkLocal"],
    ["febf::1", "linkLocal"],
    ["fc00::1", "uniqueLocal"],
    ["fd12:3456:789a::1", "uniqueLocal"],
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:7f00:1", "loopback"],
    ["::ffff:10.0.0.1", "private"],
    ["::ffff:169.254.169.254", "linkLocal"],
    ["::ffff:0.0.0.0", "unspecified"],
    ["64:ff9b::7f00:1", "loopback"],
    ["64:ff9b::a9fe:a9fe", "linkLocal"],
    ["0.0.0.0", "unspecified"],
    ["0.1.2.3", "unspecified"],
    ["::", "unspecified"],
    ["100.64.0.1", "carrierGradeNat"],
    ["100.127.255.254", "carrierGradeNat"],
    ["224.0.0.1", "multicast"],
    ["239.255.255.250", "multicast"],
    ["ff02::1", "multicast"],
    ["255.255.255.255", "broadcast"],
    ["240.0.0.1", "reserved"],
    ["192.0.2.1", "reserved"],
    ["198.18.0.1", "reserved"],
    ["203.0.113.7", "reserved"],
    ["2001:db8::1", "reserved"],
    ["fec0::1", "deprecatedSiteLocal"],
    ["2002:7f00:1::1", "6to4"],
    ["2002:c0a8:101::1", "6to4"],
    ["2001:0:4136:e378:8000:63bf:80ff:fffe", "teredo"],
    ["::ffff:0:7f00:1", "rfc6145"],
    ["100::1", "discard"],
    ["not-an-ip", "invalid"],
  ])("when %s is the address, then it is refused as %s", (address, reason) => {
    expect(guard.refusal(HOST, address)).toBe(reason);
  });

  it.each(["93.184.216.34", "8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "2606:4700::1", "2a00:1450:4001:80b::200e", "::ffff:93.184.216.34", "64:ff9b::5db8:d822"])(
    "when %s (public unicast) is the address, then it is allowed",
    (address) => {
      expect(guard.refusal(HOST, address)).toBeNull();
    },
  );
});

describe("AddressGuard allow list", () => {
  it("when a host name is allow-listed, then any address it resolves to passes, matched case-insensitively, and other names are still checked", () => {
    const guard = new AddressGuard(["Receiver.Test", "localhost"]);
    expect(guard.refusal("receiver.test", "10.1.2.3")).toBeNull();
    expect(guard.refusal("RECEIVER.TEST.", "127.0.0.1")).toBeNull();
    expect(guard.refusal("localhost", "::1")).toBeNull();
    expect(guard.refusal("other.test", "10.1.2.3")).toBe("private");
    expect(guard.refusal("sub.receiver.test", "10.1.2.3")).toBe("private");
  });

  it("when an IP is allow-listed, then exactly that address passes for any host, and its IPv4-mapped form too", () => {
    const guard = new AddressGuard(["127.0.0.1", "::1"]);
    expect(guard.refusal("localhost", "127.0.0.1")).toBeNull();
    expect(guard.refusal("127.0.0.1", "127.0.0.1")).toBeNull();
    expect(guard.refusal("anything.test", "::1")).toBeNull();
    expect(guard.refusal("anything.test", "::ffff:127.0.0.1")).toBeNull();
    expect(guard.refusal("anything.test", "127.0.0.2")).toBe("loopback");
    expect(guard.refusal("anything.test", "169.254.169.254")).toBe("linkLocal");
  });

  it("when CIDRs are allow-listed, then addresses inside pass and those outside are refused (v4 and v6)", () => {
    const guard = new AddressGuard(["10.20.0.0/16", "fd00:1234::/32"]);
    expect(guard.refusal(HOST, "10.20.255.1")).toBeNull();
    expect(guard.refusal(HOST, "::ffff:10.20.0.9")).toBeNull();
    expect(guard.refusal(HOST, "10.21.0.1")).toBe("private");
    expect(guard.refusal(HOST, "fd00:1234:ffff::1")).toBeNull();
    expect(guard.refusal(HOST, "fd00:1235::1")).toBe("uniqueLocal");
  });

  it("when an allow-list entry is malformed, then the constructor throws a RangeError", () => {
    for (const entry of ["10.0.0.0/33", "010.0.0.1", "::/129", "10.0.0", "10.1", "0x7f.1", "http://hooks.test", "hooks.test:8080", "*.hooks.test", "-bad.test", "10.0.0.0/8/8", "fe80::1%eth0", "host/24", ""]) {
      expect(() => new AddressGuard([entry]), entry).toThrow(RangeError);
    }
  });
});

describe("AddressGuard.parseAllowList", () => {
  it("when given a comma-separated list, then it returns the trimmed, lower-cased entries without empty ones", () => {
    expect(AddressGuard.parseAllowList(" Localhost, 127.0.0.1 ,,10.0.0.0/8, [::1], fd00::/8 ,")).toEqual(["localhost", "127.0.0.1", "10.0.0.0/8", "::1", "fd00::/8"]);
    expect(AddressGuard.parseAllowList("")).toEqual([]);
  });

  it("when an entry is malformed, then it throws a RangeError naming that entry", () => {
    expect(() => AddressGuard.parseAllowList("localhost, 192.168.0.0/40")).toThrow(/192\.168\.0\.0\/40/);
    expect(() => AddressGuard.parseAllowList("localhost, 192.168.0.0/40")).toThrow(RangeError);
  });
});
