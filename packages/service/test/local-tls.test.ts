import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ensureLocalTls,
  KEY_FILE_MODE,
  RENEW_BEFORE_DAYS,
  SERVER_DAYS,
  sanNames,
  TlsSetupError,
} from '../../../scripts/setup/tls.mjs';

/** scripts/start.mjs's local CA for HOLOCALL_PUBLIC_HOST (data/tls/). */
let dataDir = '';
const DAY_MS = 86_400_000;
const modeOf = (file: string) => fs.statSync(file).mode & 0o777;
const read = (file: string) => fs.readFileSync(file, 'utf8');
const quiet = { log: () => {} };

beforeEach(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'holocall-tls-'));
});
afterEach(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe.skipIf(process.platform === 'win32')('ensureLocalTls', () => {
  it('makes a CA and a server certificate it signed, with the host and loopback as SANs', async () => {
    const now = new Date();
    const tls = await ensureLocalTls(dataDir, { hosts: ['192.168.7.20'], now, ...quiet });
    expect(tls.made).toEqual({ ca: true, server: true });
    const ca = new X509Certificate(read(tls.caCert));
    const cert = new X509Certificate(read(tls.cert));
    expect(ca.ca).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.checkIssued(ca)).toBe(true);
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.issuer).toBe(ca.subject);
    expect(cert.checkIP('192.168.7.20')).toBe('192.168.7.20');
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(cert.checkHost('localhost')).toBe('localhost');
    expect(cert.checkIP('192.168.7.21')).toBeUndefined();
    // An address is an IP SAN, not a DNS name (browsers match an address only against IP SANs).
    expect(cert.subjectAltName).toContain('IP Address:192.168.7.20');
    expect(cert.subjectAltName).not.toContain('DNS:192.168.7.20');
    const validTo = new Date(cert.validTo).getTime();
    expect(validTo - now.getTime()).toBeGreaterThan((SERVER_DAYS - 1) * DAY_MS);
    expect(validTo - now.getTime()).toBeLessThanOrEqual(SERVER_DAYS * DAY_MS);
    expect(new Date(cert.validFrom).getTime()).toBeLessThan(now.getTime());
    expect(cert.publicKey.asymmetricKeyType).toBe('ec');
    expect(cert.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(tls.caFingerprint).toBe(ca.fingerprint256);
  });

  it('writes both keys 0600 (and tightens one made readable), the certificates 0644', async () => {
    const tls = await ensureLocalTls(dataDir, { hosts: ['calls.lan'], ...quiet });
    expect(modeOf(tls.caKey)).toBe(KEY_FILE_MODE);
    expect(modeOf(tls.key)).toBe(KEY_FILE_MODE);
    expect(modeOf(tls.cert)).toBe(0o644);
    fs.chmodSync(tls.caKey, 0o644);
    const lines: string[] = [];
    const again = await ensureLocalTls(dataDir, { hosts: ['calls.lan'], log: (line) => lines.push(line) });
    expect(modeOf(tls.caKey)).toBe(KEY_FILE_MODE);
    expect(again.made).toEqual({ ca: false, server: false });
    expect(lines.join('\n')).toMatch(/ca-key\.pem was readable by others \(mode 0644\)/);
    expect(fs.readdirSync(tls.dir).sort()).toEqual(['ca-cert.pem', 'ca-key.pem', 'server-cert.pem', 'server-key.pem']);
  });

  it('reuses both on a second start with the same host, byte for byte', async () => {
    const first = await ensureLocalTls(dataDir, { hosts: ['calls.lan'], ...quiet });
    const files = [first.caCert, first.caKey, first.cert, first.key].map(read);
    const second = await ensureLocalTls(dataDir, { hosts: ['Calls.LAN'], ...quiet });
    expect(second.made).toEqual({ ca: false, server: false });
    expect([second.caCert, second.caKey, second.cert, second.key].map(read)).toEqual(files);
  });

  it('remakes only the server certificate when the host changes, signed by the same CA', async () => {
    const first = await ensureLocalTls(dataDir, { hosts: ['10.0.0.5'], ...quiet });
    const caPem = read(first.caCert);
    const oldCert = read(first.cert);
    const second = await ensureLocalTls(dataDir, { hosts: ['calls.lan', 'fd00::5'], ...quiet });
    expect(second.made).toEqual({ ca: false, server: true });
    expect(read(second.caCert)).toBe(caPem);
    const cert = new X509Certificate(read(second.cert));
    expect(read(second.cert)).not.toBe(oldCert);
    expect(cert.checkHost('calls.lan')).toBe('calls.lan');
    expect(cert.checkIP('fd00::5')).toBe('fd00::5');
    expect(cert.checkIP('10.0.0.5')).toBeUndefined();
    expect(cert.verify(new X509Certificate(caPem).publicKey)).toBe(true);
    // An IPv6 SAN compares equal to itself on the next start.
    expect((await ensureLocalTls(dataDir, { hosts: ['calls.lan', 'fd00::5'], ...quiet })).made.server).toBe(false);
  });

  it('renews the server certificate within 30 days of expiry, keeping the CA', async () => {
    const start = new Date();
    const first = await ensureLocalTls(dataDir, { hosts: ['calls.lan'], now: start, ...quiet });
    const caPem = read(first.caCert);
    const before = new Date(start.getTime() + (SERVER_DAYS - RENEW_BEFORE_DAYS - 2) * DAY_MS);
    expect((await ensureLocalTls(dataDir, { hosts: ['calls.lan'], now: before, ...quiet })).made.server).toBe(false);
    const within = new Date(start.getTime() + (SERVER_DAYS - RENEW_BEFORE_DAYS + 1) * DAY_MS);
    const renewed = await ensureLocalTls(dataDir, { hosts: ['calls.lan'], now: within, ...quiet });
    expect(renewed.made).toEqual({ ca: false, server: true });
    expect(read(renewed.caCert)).toBe(caPem);
    expect(new Date(new X509Certificate(read(renewed.cert)).validTo).getTime()).toBeGreaterThan(
      within.getTime() + (SERVER_DAYS - 1) * DAY_MS,
    );
  });

  it('remakes a server key that does not match its certificate, and a damaged CA with its certificate', async () => {
    const first = await ensureLocalTls(dataDir, { hosts: ['calls.lan'], ...quiet });
    fs.copyFileSync(first.caKey, first.key); // the wrong key for server-cert.pem
    expect((await ensureLocalTls(dataDir, { hosts: ['calls.lan'], ...quiet })).made).toEqual({
      ca: false,
      server: true,
    });
    fs.writeFileSync(first.caCert, 'not a certificate');
    const remade = await ensureLocalTls(dataDir, { hosts: ['calls.lan'], ...quiet });
    expect(remade.made).toEqual({ ca: true, server: true });
    const ca = new X509Certificate(read(remade.caCert));
    expect(new X509Certificate(read(remade.cert)).verify(ca.publicKey)).toBe(true);
  });

  it('serves TLS that a client trusting only the CA accepts for 127.0.0.1', async () => {
    const tls = await ensureLocalTls(dataDir, { hosts: ['calls.lan'], ...quiet });
    const server = https.createServer({ cert: read(tls.cert), key: read(tls.key) }, (_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const body = await new Promise<string>((resolve, reject) => {
        https
          .get({ host: '127.0.0.1', port, path: '/', ca: read(tls.caCert) }, (res) => {
            let text = '';
            res.on('data', (chunk) => {
              text += chunk;
            });
            res.on('end', () => resolve(text));
          })
          .on('error', reject);
      });
      expect(body).toBe('ok');
    } finally {
      server.close();
    }
  });

  it('refuses a host that is neither an address nor a DNS name', () => {
    expect(() => sanNames(['not a host!'])).toThrow(TlsSetupError);
    expect(() => sanNames(['-bad.lan'])).toThrow(/neither an IP address nor a DNS name/);
    expect(sanNames(['[fd00::5]', 'calls.lan']).map((n) => n.type)).toEqual(['ip', 'dns', 'dns', 'ip', 'ip']);
  });
});
