// The local CA for serving other computers on a LAN (HOLOCALL_PUBLIC_HOST): scripts/start.mjs
// calls ensureLocalTls() on every start. Made once into <data dir>/tls/ and reused:
//   ca-cert.pem, ca-key.pem (0600)          the CA a participant trusts once, valid CA_DAYS;
//   server-cert.pem, server-key.pem (0600)  the web origin's certificate, signed by that CA.
// The server certificate is remade when its names change (another address or host name) or
// within RENEW_BEFORE_DAYS of expiry; the CA is kept then, so participants need not trust a new
// one. Keys are ECDSA P-256 from Node's WebCrypto, certificates made with @peculiar/x509 (no
// openssl CLI). Existing files are checked with Node's own X509Certificate.
import { createPrivateKey, webcrypto, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import * as x509 from '@peculiar/x509';
import { writeFileAtomic } from './secrets.mjs';

x509.cryptoProvider.set(webcrypto);

export const TLS_DIR_NAME = 'tls';
/** Owner read/write only: either key lets its holder impersonate the server (the CA's: any site, to whoever trusts it). */
export const KEY_FILE_MODE = 0o600;
export const CERT_FILE_MODE = 0o644;
export const CA_DAYS = 3650;
/** Under 398 days, the most browsers accept for a server certificate. */
export const SERVER_DAYS = 365;
export const RENEW_BEFORE_DAYS = 30;
/** Names every server certificate carries besides the public host, so loopback clients (the SFU's JWKS fetch) verify too. */
export const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '::1'];

const DAY_MS = 86_400_000;
/** notBefore a little in the past: another computer's clock may be behind. */
const CLOCK_SKEW_MS = 3_600_000;
const KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' };
const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' };

export class TlsSetupError extends Error {
  name = 'TlsSetupError';
}

/** The file names under `<dataDir>/tls/`. */
export function tlsPaths(dataDir) {
  const dir = path.join(dataDir, TLS_DIR_NAME);
  return {
    dir,
    caCert: path.join(dir, 'ca-cert.pem'),
    caKey: path.join(dir, 'ca-key.pem'),
    cert: path.join(dir, 'server-cert.pem'),
    key: path.join(dir, 'server-key.pem'),
  };
}

/**
 * Makes or reuses the local CA and a server certificate for `hosts` (addresses become IP SANs,
 * names DNS SANs; LOOPBACK_NAMES are always added). Returns the paths, the CA's SHA-256
 * fingerprint and what was made this time. `now` is for tests.
 */
export async function ensureLocalTls(dataDir, { hosts, now = new Date(), log = () => {} }) {
  const names = sanNames(hosts);
  const paths = tlsPaths(dataDir);
  fs.mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
  for (const file of [paths.caKey, paths.key]) tightenMode(file, log);

  let ca = readUsable(paths.caCert, paths.caKey, now);
  const made = { ca: false, server: false };
  if (!ca) {
    ca = await makeCa(now);
    writeFileAtomic(paths.caKey, ca.keyPem, KEY_FILE_MODE);
    writeFileAtomic(paths.caCert, ca.certPem, CERT_FILE_MODE);
    made.ca = true;
    log(`[start] made a local CA in ${paths.caCert}`);
  }
  const server = readUsable(paths.cert, paths.key, now);
  const reason = made.ca ? 'the CA is new' : whyRemake(server, ca.cert, names);
  if (reason) {
    const fresh = await makeServerCert(ca, names, now);
    writeFileAtomic(paths.key, fresh.keyPem, KEY_FILE_MODE);
    writeFileAtomic(paths.cert, fresh.certPem, CERT_FILE_MODE);
    made.server = true;
    log(`[start] made a server certificate for ${names.map((n) => n.value).join(', ')} (${reason})`);
  }
  return { ...paths, caFingerprint: ca.cert.fingerprint256, made };
}

/** Distinct SAN entries, the host's own first; a bad host name is refused here, not by a browser later. */
export function sanNames(hosts) {
  const seen = new Set();
  const names = [];
  for (const raw of [...hosts, ...LOOPBACK_NAMES]) {
    const value = String(raw)
      .trim()
      .replace(/^\[(.*)\]$/, '$1')
      .toLowerCase();
    if (seen.has(value)) continue;
    seen.add(value);
    if (isIP(value)) names.push({ type: 'ip', value });
    else if (isDnsName(value)) names.push({ type: 'dns', value });
    else throw new TlsSetupError(`"${raw}" is neither an IP address nor a DNS name`);
  }
  return names;
}

function isDnsName(value) {
  return value.length <= 253 && /^(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*\.?$/.test(value);
}

/** A key file readable by others is chmod'ed back, as secrets.json is. */
function tightenMode(file, log) {
  if (process.platform === 'win32' || !fs.existsSync(file)) return;
  const mode = fs.statSync(file).mode & 0o777;
  if ((mode & ~KEY_FILE_MODE) === 0) return;
  fs.chmodSync(file, KEY_FILE_MODE);
  log(`[start] ${file} was readable by others (mode ${mode.toString(8).padStart(4, '0')}); it is now 0600`);
}

/** A certificate and its key read back, or null when either is missing, unreadable, mismatched or due for renewal. */
function readUsable(certFile, keyFile, now) {
  if (!fs.existsSync(certFile) || !fs.existsSync(keyFile)) return null;
  try {
    const certPem = fs.readFileSync(certFile, 'utf8');
    const keyPem = fs.readFileSync(keyFile, 'utf8');
    const cert = new X509Certificate(certPem);
    if (!cert.checkPrivateKey(createPrivateKey(keyPem))) return null;
    const renewAt = new Date(cert.validTo).getTime() - RENEW_BEFORE_DAYS * DAY_MS;
    if (now.getTime() >= renewAt || now.getTime() < new Date(cert.validFrom).getTime()) return null;
    return { cert, certPem, keyPem };
  } catch {
    return null;
  }
}

/** Why a server certificate must be made again, or null when it can stay. */
function whyRemake(server, caCert, names) {
  if (!server) return 'none usable (missing, unreadable, or near expiry)';
  if (!server.cert.checkIssued(caCert) || !server.cert.verify(caCert.publicKey)) return 'not signed by this CA';
  const want = names
    .map((name) => sanText(name).toLowerCase())
    .sort()
    .join(', ');
  const have = (server.cert.subjectAltName ?? '')
    .split(', ')
    .map((entry) => entry.replace(/^IP Address:/, 'IP:').toLowerCase())
    .sort()
    .join(', ');
  return want === have ? null : `its names changed (had ${have || 'none'})`;
}

/** A SAN entry as Node's X509Certificate.subjectAltName spells it (IPv6 in full, all eight groups). */
function sanText(name) {
  if (name.type === 'dns') return `DNS:${name.value}`;
  return `IP:${isIP(name.value) === 6 ? expandIpv6(name.value) : name.value}`;
}

function expandIpv6(address) {
  const [head, tail = ''] = address.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = address.includes('::')
    ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right]
    : left;
  return groups.map((g) => Number.parseInt(g, 16).toString(16)).join(':');
}

async function makeCa(now) {
  const keys = await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify']);
  const generated = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=HoloCall local CA ${now.toISOString().slice(0, 10)}, O=HoloCall`,
    notBefore: new Date(now.getTime() - CLOCK_SKEW_MS),
    notAfter: new Date(now.getTime() + CA_DAYS * DAY_MS),
    keys,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const certPem = generated.toString('pem');
  return { cert: new X509Certificate(certPem), certPem, keyPem: await privateKeyPem(keys.privateKey) };
}

async function makeServerCert(ca, names, now) {
  const caKey = await webcrypto.subtle.importKey('pkcs8', pemBody(ca.keyPem), KEY_ALGORITHM, false, ['sign']);
  const caCert = new x509.X509Certificate(ca.certPem);
  const keys = await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify']);
  const notAfter = Math.min(now.getTime() + SERVER_DAYS * DAY_MS, new Date(ca.cert.validTo).getTime());
  const generated = await x509.X509CertificateGenerator.create({
    subject: `CN=${names[0].value}, O=HoloCall`,
    issuer: caCert.subject,
    notBefore: new Date(now.getTime() - CLOCK_SKEW_MS),
    notAfter: new Date(notAfter),
    publicKey: keys.publicKey,
    signingKey: caKey,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey),
    ],
  });
  return { certPem: generated.toString('pem'), keyPem: await privateKeyPem(keys.privateKey) };
}

async function privateKeyPem(key) {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return `${x509.PemConverter.encode(der, 'PRIVATE KEY')}\n`;
}

function pemBody(pem) {
  return x509.PemConverter.decodeFirst(pem);
}
