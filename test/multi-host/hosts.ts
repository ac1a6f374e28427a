import type { ChildProcess } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Host, spawnIn, stopGroup } from './netns';

/**
 * What runs on each simulated computer, started by the product's own commands inside the host's
 * namespace: the server is `node scripts/start.mjs` with HOLOCALL_PUBLIC_HOST set to its LAN
 * address (web app + SFU over one HTTPS origin, a local CA made in its data directory), and a
 * participant's node is `node scripts/node.mjs --server <origin> --ca <file>`, as the README says.
 */
export const testDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const root = path.resolve(testDir, '..');
export const runDir = path.join(testDir, '.cache', 'multi-host');

/** Ports inside each namespace: every host has its own, so the product's defaults are used. */
export const WEB_PORT = 3000;
export const INFERENCE_PORT = 3002;

export interface Service {
  name: string;
  child: ChildProcess;
  /** Everything it printed so far (for a failure's message). */
  output: () => string;
  stop: () => Promise<void>;
}

function started(name: string, child: ChildProcess): Service {
  let log = '';
  const file = fs.createWriteStream(path.join(runDir, `${name}.log`));
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-20_000);
    file.write(chunk);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.once('exit', () => file.end());
  return { name, child, output: () => log, stop: () => stopGroup(child) };
}

/** The service environment with nothing of the test runner's own HoloCall settings in it. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(WEB_|SFU_|INFERENCE_|HOLOCALL_|SESSION_SECRET|E2E_|NODE_EXTRA_CA_CERTS)/.test(key)) continue;
    env[key] = value;
  }
  return { ...env, NEXT_TELEMETRY_DISABLED: '1', LOG_LEVEL: 'warn', ...extra };
}

export function startServer(host: Host, dataDir: string): Service {
  fs.mkdirSync(runDir, { recursive: true });
  const child = spawnIn(host, process.execPath, [path.join(root, 'scripts', 'start.mjs')], {
    cwd: root,
    env: cleanEnv({
      HOLOCALL_PUBLIC_HOST: host.address,
      HOLOCALL_DATA_DIR: dataDir,
      SFU_WORKERS: '1',
      INFERENCE_THREADS: '1',
      INFERENCE_TARGET_FPS: '10',
    }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return started(`server-${host.name}`, child);
}

export const serverOrigin = (server: Host) => `https://${server.address}:${WEB_PORT}`;
export const caFile = (dataDir: string) => path.join(dataDir, 'tls', 'ca-cert.pem');
export const serverCertFile = (dataDir: string) => path.join(dataDir, 'tls', 'server-cert.pem');

export function startParticipantNode(host: Host, server: Host, ca: string): Service {
  const child = spawnIn(
    host,
    process.execPath,
    [path.join(root, 'scripts', 'node.mjs'), '--server', serverOrigin(server), '--ca', ca],
    {
      cwd: root,
      env: cleanEnv({
        HOLOCALL_DATA_DIR: path.join(runDir, `node-${host.name}`),
        INFERENCE_THREADS: '1',
        INFERENCE_TARGET_FPS: '10',
      }),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  return started(`node-${host.name}`, child);
}

/**
 * Polls `url` from inside `from` (the test process is in no host's network) until it answers
 * 2xx, trusting `ca`. Fails with the service's last output when it does not within `timeoutMs`.
 */
export async function waitForUrl(from: Host, url: string, ca: string, service: Service, timeoutMs: number) {
  const probe = `fetch(${JSON.stringify(url)}).then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))`;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (service.child.exitCode !== null) break;
    const child = spawnIn(from, process.execPath, ['-e', probe], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: ca },
      stdio: 'ignore',
      detached: false,
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    if (code === 0) return;
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(
    `${url} did not answer from ${from.name} within ${timeoutMs} ms; ${service.name} said:\n${service.output()}`,
  );
}

/**
 * What Chromium is told to trust: the server certificate's public key (base64 SHA-256 of its
 * SPKI), the narrow alternative to ignoring every certificate error.
 */
export function spkiHash(certPem: string): string {
  const der = new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('base64');
}

/** A Chromium executable for Playwright that runs inside `host`'s namespace (HOLOCALL_NETNS). */
export function chromiumInNamespace(): string {
  const file = path.join(runDir, 'chromium-in-netns.sh');
  fs.mkdirSync(runDir, { recursive: true });
  const chromium = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  fs.writeFileSync(file, `#!/bin/sh\nexec ip netns exec "$HOLOCALL_NETNS" ${chromium} "$@"\n`, { mode: 0o755 });
  return file;
}
