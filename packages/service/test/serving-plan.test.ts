import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { planServing, rtcPorts, ServingSetupError } from '../../../scripts/setup/serving.mjs';

/** scripts/start.mjs's settings for each way of serving (scripts/setup/serving.mjs). */
let dataDir = '';
const noLookup = async (host: string): Promise<string> => {
  throw Object.assign(new Error(`no lookup for ${host}`), { code: 'ENOTFOUND' });
};

beforeEach(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'holocall-serving-'));
});
afterEach(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('planServing', () => {
  it('without HOLOCALL_PUBLIC_HOST keeps plain http on loopback, as before', async () => {
    const plan = await planServing({}, { dataDir, lookup: noLookup });
    expect(plan.mode).toBe('plain');
    expect(plan.env).toEqual({
      WEB_PORT: '3000',
      SFU_PORT: '3001',
      INFERENCE_PORT: '3002',
      WEB_ORIGIN: 'http://localhost:3000',
      SFU_CORS_ORIGIN: 'http://localhost:3000',
      INFERENCE_ALLOWED_ORIGINS: 'http://localhost:3000',
      SFU_JWKS_URL: 'http://localhost:3000/.well-known/jwks.json',
      INFERENCE_JWKS_URL: 'http://localhost:3000/.well-known/jwks.json',
    });
    expect(plan.lines).toEqual([]);
    expect(fs.existsSync(path.join(dataDir, 'tls'))).toBe(false);
  });

  it('with a LAN address: HTTPS on every interface with the local CA, signaling via /sfu, media announced there', async () => {
    const plan = await planServing(
      { HOLOCALL_PUBLIC_HOST: '192.168.7.20', WEB_PORT: '3400', SFU_PORT: '3401', SFU_WORKERS: '2' },
      { dataDir, lookup: noLookup },
    );
    expect(plan.mode).toBe('lan');
    expect(plan.webOrigin).toBe('https://192.168.7.20:3400');
    const tlsDir = path.join(dataDir, 'tls');
    expect(plan.env).toMatchObject({
      WEB_HOST: '0.0.0.0',
      WEB_ORIGIN: 'https://192.168.7.20:3400',
      WEB_TLS_CERT: path.join(tlsDir, 'server-cert.pem'),
      WEB_TLS_KEY: path.join(tlsDir, 'server-key.pem'),
      SFU_LISTEN_IP: '0.0.0.0',
      SFU_ANNOUNCED_IP: '192.168.7.20',
      SFU_HTTP_HOST: '127.0.0.1',
      SFU_INTERNAL_URL: 'http://127.0.0.1:3401',
      SFU_PUBLIC_URL: '/sfu',
      SFU_BEHIND_PROXY: '1',
      SFU_JWKS_URL: 'https://127.0.0.1:3400/.well-known/jwks.json',
      INFERENCE_JWKS_URL: 'https://127.0.0.1:3400/.well-known/jwks.json',
      NODE_EXTRA_CA_CERTS: path.join(tlsDir, 'ca-cert.pem'),
    });
    expect(plan.env.SFU_CORS_ORIGIN?.split(',')).toEqual([
      'https://192.168.7.20:3400',
      'https://localhost:3400',
      'https://127.0.0.1:3400',
    ]);
    const cert = new X509Certificate(fs.readFileSync(plan.env.WEB_TLS_CERT ?? '', 'utf8'));
    expect(cert.checkIP('192.168.7.20')).toBe('192.168.7.20');
    const text = plan.lines.join('\n');
    expect(text).toContain('open on each computer: https://192.168.7.20:3400');
    expect(text).toContain(`SHA-256 ${plan.tls?.caFingerprint}`);
    expect(text).toContain('certutil -d sql:$HOME/.pki/nssdb -A -t C,, -n HoloCall -i ca-cert.pem');
    expect(text).toContain('firewall: open TCP 3400 (web and signaling), UDP and TCP 40000, 40001');
    expect(text).toContain('npm run node -- --server https://192.168.7.20:3400 --ca ca-cert.pem');
  });

  it('with a host name: resolved once for the announced address; both go in the certificate', async () => {
    const plan = await planServing(
      { HOLOCALL_PUBLIC_HOST: 'calls.lan' },
      { dataDir, lookup: async (host) => (host === 'calls.lan' ? '10.1.2.3' : '0.0.0.0') },
    );
    expect(plan.webOrigin).toBe('https://calls.lan:3000');
    expect(plan.env.SFU_ANNOUNCED_IP).toBe('10.1.2.3');
    const cert = new X509Certificate(fs.readFileSync(plan.env.WEB_TLS_CERT ?? '', 'utf8'));
    expect(cert.checkHost('calls.lan')).toBe('calls.lan');
    expect(cert.checkIP('10.1.2.3')).toBe('10.1.2.3');
    expect(plan.env.SFU_CORS_ORIGIN).toContain('https://10.1.2.3:3000');
  });

  it('refuses a host name that does not resolve, naming it', async () => {
    await expect(
      planServing({ HOLOCALL_PUBLIC_HOST: 'nowhere.invalid' }, { dataDir, lookup: noLookup }),
    ).rejects.toThrow(
      new ServingSetupError(
        "HOLOCALL_PUBLIC_HOST=nowhere.invalid does not resolve (ENOTFOUND): give this computer's LAN address, or a name other computers resolve to it",
      ),
    );
    expect(fs.existsSync(path.join(dataDir, 'tls'))).toBe(false);
  });

  it('lets a configured pair and the settings the user gave win over the derived ones', async () => {
    const plan = await planServing(
      {
        HOLOCALL_PUBLIC_HOST: '192.168.7.20',
        WEB_TLS_CERT: '/etc/holocall/cert.pem',
        WEB_TLS_KEY: '/etc/holocall/key.pem',
        WEB_HOST: '192.168.7.20',
        SFU_ANNOUNCED_IP: '203.0.113.4',
        SFU_RTC_PORT: '0',
      },
      { dataDir, lookup: noLookup },
    );
    expect(plan.env).toMatchObject({
      WEB_TLS_CERT: '/etc/holocall/cert.pem',
      WEB_TLS_KEY: '/etc/holocall/key.pem',
      WEB_HOST: '192.168.7.20',
      SFU_ANNOUNCED_IP: '203.0.113.4',
      SFU_JWKS_URL: 'https://192.168.7.20:3000/.well-known/jwks.json',
    });
    expect(plan.env.NODE_EXTRA_CA_CERTS).toBeUndefined();
    expect(fs.existsSync(path.join(dataDir, 'tls'))).toBe(false);
    expect(plan.lines.join('\n')).toMatch(/media ports are random \(SFU_RTC_PORT=0\)/);
  });

  it('behind a reverse proxy: plain http, signaling via /sfu, the JWKS over loopback', async () => {
    const plan = await planServing(
      { WEB_TRUST_PROXY: '1', WEB_ORIGIN: 'https://calls.example' },
      { dataDir, lookup: noLookup },
    );
    expect(plan.mode).toBe('proxy');
    expect(plan.env).toMatchObject({
      WEB_ORIGIN: 'https://calls.example',
      SFU_PUBLIC_URL: '/sfu',
      SFU_BEHIND_PROXY: '1',
      SFU_CORS_ORIGIN: 'https://calls.example',
      SFU_JWKS_URL: 'http://127.0.0.1:3000/.well-known/jwks.json',
    });
    expect(plan.env.WEB_TLS_CERT).toBeUndefined();
    expect(plan.lines.join('\n')).toContain('must forward / and /sfu/');
  });

  it('adds the local CA to a NODE_EXTRA_CA_CERTS already set (Node reads one file)', async () => {
    const own = path.join(dataDir, 'corporate.pem');
    fs.writeFileSync(own, '-----BEGIN CERTIFICATE-----\ncorporate\n-----END CERTIFICATE-----\n');
    const plan = await planServing(
      { HOLOCALL_PUBLIC_HOST: '192.168.7.20', NODE_EXTRA_CA_CERTS: own },
      { dataDir, lookup: noLookup },
    );
    const bundle = fs.readFileSync(plan.env.NODE_EXTRA_CA_CERTS ?? '', 'utf8');
    expect(plan.env.NODE_EXTRA_CA_CERTS).not.toBe(own);
    expect(bundle).toContain('corporate');
    expect(bundle).toContain(fs.readFileSync(plan.tls?.caCert ?? '', 'utf8'));
  });

  it('refuses a certificate without its key', async () => {
    await expect(planServing({ WEB_TLS_CERT: '/x.pem' }, { dataDir, lookup: noLookup })).rejects.toThrow(
      /WEB_TLS_CERT and WEB_TLS_KEY/,
    );
  });

  it('counts one media port per worker from SFU_RTC_PORT', () => {
    expect(rtcPorts({ SFU_RTC_PORT: '41000', SFU_WORKERS: '3' })).toEqual([41000, 41001, 41002]);
    expect(rtcPorts({ SFU_RTC_PORT: '0' })).toBeNull();
  });
});
