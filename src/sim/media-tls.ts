import { generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import forge from "node-forge";

/** PEM material for the media host: its own CA, and a server certificate the CA issued. */
export interface MediaTls {
  caCert: string;
  serverCert: string;
  serverKey: string;
}

/** RSA keys come from Node's native crypto (fast); node-forge only builds and signs the certificates. */
function rsaKeys(): { privateKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey; pem: string } {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const pem = privateKey.export({ type: "pkcs1", format: "pem" }).toString();
  const forgeKey = forge.pki.privateKeyFromPem(pem);
  return { privateKey: forgeKey, publicKey: forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e), pem };
}

/**
 * A random positive serial whose DER INTEGER needs no padding: top bit clear (not
 * negative) and first byte non-zero (a leading 0x00 would be "illegal padding" to
 * OpenSSL, which refused such certificates now and then).
 */
function serialNumber(): string {
  const bytes = randomBytes(8);
  bytes[0] = (bytes[0] & 0x7f) | 0x40;
  return bytes.toString("hex");
}

function certificate(
  subject: forge.pki.CertificateField[],
  issuer: forge.pki.CertificateField[],
  publicKey: forge.pki.PublicKey,
  extensions: object[],
): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = serialNumber();
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 10 * 365 * 24 * 3600 * 1000);
  cert.setSubject(subject);
  cert.setIssuer(issuer);
  cert.setExtensions(extensions);
  return cert;
}

/**
 * Issues a private CA and a server certificate for `localhost`/`127.0.0.1` (and `host`). Baileys
 * then reaches the media host over real HTTPS once the client trusts the CA (upload agent and
 * download dispatcher), without touching the process's global trust store.
 */
export function issueMediaTls(host: string): MediaTls {
  const caKeys = rsaKeys();
  const caName = [{ name: "commonName", value: "Wildcat WhatsApp Simulator Media CA" }];
  const ca = certificate(caName, caName, caKeys.publicKey, [
    { name: "basicConstraints", cA: true, critical: true },
    { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
    { name: "subjectKeyIdentifier" },
  ]);
  ca.sign(caKeys.privateKey, forge.md.sha256.create());

  const serverKeys = rsaKeys();
  const altNames: { type: number; value?: string; ip?: string }[] = [
    { type: 2, value: "localhost" },
    { type: 7, ip: "127.0.0.1" },
  ];
  if (host !== "localhost" && host !== "127.0.0.1") {
    altNames.push(/^[\d.]+$/.test(host) ? { type: 7, ip: host } : { type: 2, value: host });
  }
  const server = certificate([{ name: "commonName", value: "localhost" }], caName, serverKeys.publicKey, [
    { name: "basicConstraints", cA: false },
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
    { name: "extKeyUsage", serverAuth: true },
    { name: "subjectAltName", altNames },
  ]);
  server.sign(caKeys.privateKey, forge.md.sha256.create());

  return {
    caCert: forge.pki.certificateToPem(ca),
    serverCert: forge.pki.certificateToPem(server),
    serverKey: serverKeys.pem,
  };
}

/** The media TLS material saved in `dataDir` (so clients keep trusting it), issued on first use. */
export function loadMediaTls(host: string, dataDir?: string): MediaTls {
  if (!dataDir) return issueMediaTls(host);
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, "sim-media-tls.json");
  try {
    return JSON.parse(readFileSync(file, "utf8")) as MediaTls;
  } catch {
    const tls = issueMediaTls(host);
    writeFileSync(file, JSON.stringify(tls));
    return tls;
  }
}
