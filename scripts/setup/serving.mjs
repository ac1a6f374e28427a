// How `npm start` serves: the settings scripts/start.mjs hands the services, and the lines it
// prints. Four ways, picked by what is set:
//   HOLOCALL_PUBLIC_HOST   a server for other computers on a LAN: HTTPS on 0.0.0.0 with a local
//                          CA (tls.mjs) or the configured WEB_TLS_CERT/WEB_TLS_KEY, WebRTC on every
//                          interface announced at the host's address, SFU signaling through /sfu;
//   WEB_TLS_CERT/KEY alone this computer over HTTPS with the configured pair;
//   WEB_TRUST_PROXY + https WEB_ORIGIN  plain http behind a TLS-terminating proxy that forwards
//                          `/` and `/sfu/` to the web port;
//   none                   plain http on loopback, exactly as before.
// A setting the user gave always wins over what is derived here.
import dns from 'node:dns/promises';
import fs from 'node:fs';
import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { writeFileAtomic } from './secrets.mjs';
import { ensureLocalTls } from './tls.mjs';

/** Where the web server carries the SFU's signaling (apps/web/scripts/sfu-proxy.mjs). */
export const SFU_SIGNALING_PATH = '/sfu';
export const DEFAULT_RTC_PORT = 40000;

export class ServingSetupError extends Error {
  name = 'ServingSetupError';
}

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const set = (value) => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined);
const bracket = (host) => (isIP(host) === 6 ? `[${host}]` : host);
const unique = (items) => [...new Set(items)];

/**
 * The serving plan: `mode`, `env` (what every service gets on top of the environment), `webOrigin`,
 * `jwksUrl`, `tls` (the local CA's files and fingerprint, when one is used) and `lines` to print.
 * `lookup` resolves a host name (tests pass their own).
 */
export async function planServing(env, { dataDir, lookup = defaultLookup, log = () => {} } = {}) {
  const ports = {
    web: set(env.WEB_PORT) ?? '3000',
    sfu: set(env.SFU_PORT) ?? '3001',
    inference: set(env.INFERENCE_PORT) ?? '3002',
  };
  const publicHost = set(env.HOLOCALL_PUBLIC_HOST)?.replace(/^\[(.*)\]$/, '$1');
  const certFile = set(env.WEB_TLS_CERT);
  const keyFile = set(env.WEB_TLS_KEY);
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw new ServingSetupError('set both WEB_TLS_CERT and WEB_TLS_KEY (PEM files), or neither');
  }
  const configuredPair = certFile !== undefined;
  const trustProxy = TRUE.has((set(env.WEB_TRUST_PROXY) ?? '').toLowerCase());
  const mode = publicHost
    ? 'lan'
    : configuredPair
      ? 'https'
      : trustProxy && set(env.WEB_ORIGIN)?.startsWith('https:')
        ? 'proxy'
        : 'plain';

  if (mode === 'plain') {
    const webOrigin = set(env.WEB_ORIGIN) ?? `http://localhost:${ports.web}`;
    return { mode, ports, webOrigin, ...base(env, ports, webOrigin, [webOrigin], jwksAt(webOrigin)), lines: [] };
  }
  if (mode === 'proxy') {
    const webOrigin = set(env.WEB_ORIGIN);
    const jwks = jwksAt(`http://${loopbackFor(env.WEB_HOST)}:${ports.web}`);
    const plan = base(env, ports, webOrigin, [webOrigin], jwks);
    Object.assign(plan.env, signalingThroughWeb(env, ports));
    const lines = [
      `behind a reverse proxy: ${webOrigin} must forward / and ${SFU_SIGNALING_PATH}/ (WebSocket upgrades too) to http://${set(env.WEB_HOST) ?? '127.0.0.1'}:${ports.web}`,
    ];
    return { mode, ports, webOrigin, ...plan, lines };
  }
  if (mode === 'https') {
    const webOrigin = set(env.WEB_ORIGIN) ?? `https://localhost:${ports.web}`;
    const plan = base(env, ports, webOrigin, [webOrigin], jwksAt(webOrigin));
    Object.assign(plan.env, signalingThroughWeb(env, ports), { WEB_TLS_CERT: certFile, WEB_TLS_KEY: keyFile });
    return { mode, ports, webOrigin, ...plan, lines: [`HTTPS with ${certFile}`] };
  }

  // mode 'lan'
  const address = await resolveHost(publicHost, lookup);
  const v6 = isIP(address) === 6;
  const webOrigin = set(env.WEB_ORIGIN) ?? `https://${bracket(publicHost)}:${ports.web}`;
  let tls = null;
  if (!configuredPair) {
    const hosts = unique([publicHost, address]);
    tls = await ensureLocalTls(dataDir, { hosts, log });
  }
  const webHost = set(env.WEB_HOST) ?? (v6 ? '::' : '0.0.0.0');
  // The local CA's certificate names loopback too: services on this host fetch the JWKS there.
  const jwks = tls ? jwksAt(`https://${loopbackFor(webHost, address)}:${ports.web}`) : jwksAt(webOrigin);
  const origins = unique([
    webOrigin,
    `https://${bracket(publicHost)}:${ports.web}`,
    `https://${bracket(address)}:${ports.web}`,
    `https://localhost:${ports.web}`,
    `https://127.0.0.1:${ports.web}`,
  ]);
  const plan = base(env, ports, webOrigin, origins, jwks);
  Object.assign(plan.env, signalingThroughWeb(env, ports), {
    WEB_HOST: webHost,
    WEB_TLS_CERT: certFile ?? tls.cert,
    WEB_TLS_KEY: keyFile ?? tls.key,
    SFU_LISTEN_IP: set(env.SFU_LISTEN_IP) ?? (v6 ? '::' : '0.0.0.0'),
    SFU_ANNOUNCED_IP: set(env.SFU_ANNOUNCED_IP) ?? address,
  });
  if (tls) plan.env.NODE_EXTRA_CA_CERTS = extraCaCerts(env.NODE_EXTRA_CA_CERTS, tls);
  return {
    mode,
    ports,
    webOrigin,
    ...plan,
    tls,
    lines: lanLines({ env, ports, webOrigin, tls, configuredCert: certFile }),
  };
}

/** What every mode sets: ports, origin, the origins the SFU and the node accept, the JWKS URLs. */
function base(env, ports, webOrigin, origins, jwksUrl) {
  return {
    jwksUrl: set(env.SFU_JWKS_URL) ?? jwksUrl,
    env: {
      WEB_PORT: ports.web,
      SFU_PORT: ports.sfu,
      INFERENCE_PORT: ports.inference,
      WEB_ORIGIN: webOrigin,
      SFU_CORS_ORIGIN: set(env.SFU_CORS_ORIGIN) ?? origins.join(','),
      INFERENCE_ALLOWED_ORIGINS: set(env.INFERENCE_ALLOWED_ORIGINS) ?? origins.join(','),
      SFU_JWKS_URL: set(env.SFU_JWKS_URL) ?? jwksUrl,
      INFERENCE_JWKS_URL: set(env.INFERENCE_JWKS_URL) ?? jwksUrl,
    },
  };
}

/** Pages reach signaling at <origin>/sfu; the SFU's own HTTP stays on loopback and counts the forwarded address. */
function signalingThroughWeb(env, ports) {
  const sfuHttpHost = set(env.SFU_HTTP_HOST) ?? '127.0.0.1';
  return {
    SFU_PUBLIC_URL: set(env.SFU_PUBLIC_URL) ?? SFU_SIGNALING_PATH,
    SFU_HTTP_HOST: sfuHttpHost,
    SFU_INTERNAL_URL: set(env.SFU_INTERNAL_URL) ?? `http://${bracket(loopbackFor(sfuHttpHost))}:${ports.sfu}`,
    SFU_BEHIND_PROXY: set(env.SFU_BEHIND_PROXY) ?? '1',
  };
}

function jwksAt(origin) {
  return new URL('/.well-known/jwks.json', origin).href;
}

/** An address this host reaches a server bound to `bindHost` at: loopback for a wildcard bind, else that address. */
function loopbackFor(bindHost, fallback) {
  const host = set(bindHost);
  if (!host || host === '0.0.0.0' || host === '::' || host.startsWith('127.') || host === 'localhost')
    return '127.0.0.1';
  if (host === '::1') return '[::1]';
  return bracket(isIP(host) ? host : (fallback ?? host));
}

async function defaultLookup(host) {
  return (await dns.lookup(host)).address;
}

/** An address as is; a name resolved once, here, so the SFU announces an address and a bad name stops the start. */
async function resolveHost(host, lookup) {
  if (isIP(host)) return host;
  try {
    return await lookup(host);
  } catch (error) {
    throw new ServingSetupError(
      `HOLOCALL_PUBLIC_HOST=${host} does not resolve (${error.code ?? error.message}): give this computer's LAN address, or a name other computers resolve to it`,
    );
  }
}

/** The media ports a firewall must open: worker slot i takes UDP and TCP SFU_RTC_PORT + i (apps/sfu worker-pool). */
export function rtcPorts(env) {
  const first = Number(set(env.SFU_RTC_PORT) ?? DEFAULT_RTC_PORT);
  const workers = Number(set(env.SFU_WORKERS) ?? availableParallelism());
  if (first === 0) return null;
  return Array.from({ length: Math.max(1, workers) }, (_, slot) => first + slot);
}

/**
 * What the SFU and the local node trust besides the system's CAs: the local CA, added to a
 * NODE_EXTRA_CA_CERTS already set (Node reads one file only), as a bundle next to the CA.
 */
function extraCaCerts(current, tls) {
  const given = set(current);
  if (!given || path.resolve(given) === tls.caCert) return tls.caCert;
  let theirs;
  try {
    theirs = fs.readFileSync(given, 'utf8');
  } catch {
    return tls.caCert; // Node would ignore an unreadable file too, with a warning
  }
  const bundle = path.join(tls.dir, 'extra-ca-certs.pem');
  writeFileAtomic(bundle, `${theirs.trimEnd()}\n${fs.readFileSync(tls.caCert, 'utf8')}`, 0o644);
  return bundle;
}

function lanLines({ env, ports, webOrigin, tls, configuredCert }) {
  const media = rtcPorts(env);
  const lines = [`open on each computer: ${webOrigin}`];
  if (tls) {
    lines.push(
      `local CA: ${tls.caCert}`,
      `  SHA-256 ${tls.caFingerprint}`,
      '  trust it once on each other computer (copy ca-cert.pem only, never ca-key.pem; compare the fingerprint):',
      '    Chrome/Chromium on Linux: certutil -d sql:$HOME/.pki/nssdb -A -t C,, -n HoloCall -i ca-cert.pem  (libnss3-tools)',
      '    macOS: sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain ca-cert.pem',
      '    Windows (as administrator): certutil -addstore -f Root ca-cert.pem  (or certmgr.msc, Trusted Root Certification Authorities, Import)',
      '    Firefox (its own store): Settings, Certificates, View Certificates, Authorities, Import',
      '  then restart the browser',
    );
  } else {
    lines.push(`HTTPS with ${configuredCert}`);
  }
  lines.push(
    `firewall: open TCP ${ports.web} (web and signaling)` +
      (media
        ? `, UDP and TCP ${media.join(', ')} (media, one port per SFU worker)`
        : '; media ports are random (SFU_RTC_PORT=0): set SFU_RTC_PORT to open them'),
    `a participant's own inference node: npm run node -- --server ${webOrigin}${tls ? ' --ca ca-cert.pem' : ''}`,
  );
  return lines;
}
