import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The end-to-end environment: test ports, secrets and a throwaway data dir for the real
 * services, and the fake camera clip made from the face fixture with ffmpeg.
 */
export const testDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const root = path.resolve(testDir, '..');
export const cacheDir = path.join(testDir, '.cache');

const port = (name: string, fallback: number) => Number(process.env[name] || fallback);
export const PORTS = {
  web: port('E2E_WEB_PORT', 3310),
  sfu: port('E2E_SFU_PORT', 3311),
  inference: port('E2E_INFERENCE_PORT', 3312),
};
export const WEB_ORIGIN = `http://127.0.0.1:${PORTS.web}`;
export const DATA_DIR = path.join(cacheDir, 'data');
export const FACE_PHOTO = path.join(testDir, 'fixtures', 'astronaut.png');
export const CAMERA_CLIP = path.join(cacheDir, 'astronaut.y4m');

/**
 * The web app's one secret, given to the web app alone as scripts/start.mjs does (fixed: this is
 * a test run). Tokens are signed with the web app's own keys (DATA_DIR/signing-keys.json, made at
 * its start) and checked by the SFU and the node against its JWKS: the e2e's raw SFU clients get
 * their tokens from the web app's join API.
 */
export const WEB_SECRETS = {
  SESSION_SECRET: 'e2e-session-secret-0123456789abcdef012345',
};
export const JWKS_URL = `${WEB_ORIGIN}/.well-known/jwks.json`;

/** Every service's environment (no secret in it); the web app adds WEB_SECRETS. */
export const SERVICE_ENV: Record<string, string> = {
  HOLOCALL_DATA_DIR: DATA_DIR,
  WEB_PORT: String(PORTS.web),
  WEB_HOST: '127.0.0.1',
  WEB_ORIGIN,
  SFU_PORT: String(PORTS.sfu),
  SFU_WORKERS: '1',
  SFU_CORS_ORIGIN: WEB_ORIGIN,
  SFU_RTC_PORT: '47000',
  SFU_JWKS_URL: JWKS_URL,
  INFERENCE_PORT: String(PORTS.inference),
  INFERENCE_ALLOWED_ORIGINS: WEB_ORIGIN,
  INFERENCE_JWKS_URL: JWKS_URL,
  INFERENCE_THREADS: '1',
  INFERENCE_TARGET_FPS: '10',
  LOG_LEVEL: 'warn',
  NEXT_TELEMETRY_DISABLED: '1',
};

/**
 * Debian's Chromium, headless, with the fake camera and microphone granted (ARCHITECTURE.md's
 * flags): what every end-to-end browser starts with; each config adds its own.
 */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--autoplay-policy=no-user-gesture-required',
];

/** A moving clip of the face fixture (zoom, pan, a little roll), as the fake webcam plays it. */
export function ensureCameraClip(): string {
  if (fs.existsSync(CAMERA_CLIP)) return CAMERA_CLIP;
  fs.mkdirSync(cacheDir, { recursive: true });
  const filter = [
    'scale=1024:1024',
    "zoompan=z='1.25+0.15*sin(2*PI*on/100)':x='iw/2-(iw/zoom/2)+60*sin(2*PI*on/50)':y='ih/2-(ih/zoom/2)-40':d=1:s=640x480:fps=25",
    "rotate='0.2*sin(2*PI*t/2)':fillcolor=black",
    'format=yuv420p',
  ].join(',');
  const temp = `${CAMERA_CLIP}.tmp`;
  const result = spawnSync(
    'ffmpeg',
    ['-y', '-loglevel', 'error', '-loop', '1', '-i', FACE_PHOTO, '-t', '4', '-vf', filter, '-f', 'yuv4mpegpipe', temp],
    { encoding: 'utf8' },
  );
  if (result.status !== 0) throw new Error(`ffmpeg could not make the camera clip: ${result.stderr}`);
  fs.renameSync(temp, CAMERA_CLIP);
  return CAMERA_CLIP;
}

/** Real services for the run: the web app always; the SFU and inference node once their entry points exist. */
export interface E2eService {
  name: string;
  command: string;
  url: string;
  cwd: string;
  env: Record<string, string>;
}

export function services(): E2eService[] {
  const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
  const list: E2eService[] = [
    {
      name: 'web',
      command: `node ${path.join(root, 'apps', 'web', 'scripts', 'serve.mjs')}`,
      url: `${WEB_ORIGIN}/api/health`,
      cwd: path.join(root, 'apps', 'web'),
      env: { ...SERVICE_ENV, ...WEB_SECRETS },
    },
  ];
  if (fs.existsSync(path.join(root, 'apps', 'sfu', 'src', 'main.ts')) && process.env.E2E_NO_SFU !== '1') {
    list.push({
      name: 'sfu',
      command: `${tsx} src/main.ts`,
      url: `http://127.0.0.1:${PORTS.sfu}/healthz`,
      cwd: path.join(root, 'apps', 'sfu'),
      env: SERVICE_ENV,
    });
  }
  if (fs.existsSync(path.join(root, 'apps', 'inference', 'src', 'main.ts')) && process.env.E2E_NO_INFERENCE !== '1') {
    list.push({
      name: 'inference',
      command: `${tsx} src/main.ts`,
      url: `http://127.0.0.1:${PORTS.inference}/healthz`,
      cwd: path.join(root, 'apps', 'inference'),
      env: SERVICE_ENV,
    });
  }
  return list;
}

export const hasSfu = () => services().some((s) => s.name === 'sfu');
export const hasInference = () => services().some((s) => s.name === 'inference');
