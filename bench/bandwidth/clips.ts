/**
 * Test clips made by ffmpeg from the fixture photo: the moving 640x480 "camera" clip of
 * ARCHITECTURE.md (zoom, pan, roll) at 30 fps, and a small moving crop of the face for crop
 * mode. Kept under bench/out/ (gitignored) and reused when present.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { FIXTURE_PHOTO_PATH, fixtureLandmarks } from '@holocall/face/node';

export const CLIP_SECONDS = 4;
export const CLIP_FPS = 30;
const OUT_DIR = 'bench/out/clips';

function ffmpeg(args: string[]): void {
  const result = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`ffmpeg failed (${result.status}): ffmpeg ${args.join(' ')}`);
}

/** The 640x480 moving camera clip (ARCHITECTURE.md's recipe, at 30 fps). */
export function cameraClip(): string {
  mkdirSync(OUT_DIR, { recursive: true });
  const out = path.join(OUT_DIR, `camera-640x480-${CLIP_FPS}.y4m`);
  if (existsSync(out)) return out;
  const frames = CLIP_SECONDS * CLIP_FPS;
  const vf =
    `scale=1024:1024,zoompan=z='1.25+0.15*sin(2*PI*on/${frames})':x='iw/2-(iw/zoom/2)+60*sin(2*PI*on/${frames / 2})':` +
    `y='ih/2-(ih/zoom/2)-40':d=1:s=640x480:fps=${CLIP_FPS},rotate='0.2*sin(2*PI*t/2)':fillcolor=black,format=yuv420p`;
  ffmpeg(['-loop', '1', '-i', FIXTURE_PHOTO_PATH, '-t', String(CLIP_SECONDS), '-vf', vf, '-f', 'yuv4mpegpipe', out]);
  return out;
}

/**
 * A size x size clip of the face (the landmarks' box with a margin, square), moving a little
 * like a tracked, frontalized crop does from frame to frame.
 */
export function faceCropClip(size: number): string {
  mkdirSync(OUT_DIR, { recursive: true });
  const out = path.join(OUT_DIR, `face-crop-${size}-${CLIP_FPS}.y4m`);
  if (existsSync(out)) return out;
  const lm = fixtureLandmarks('astronaut');
  let [x0, y0, x1, y1] = [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, 0, 0];
  for (let i = 0; i < lm.length; i += 3) {
    x0 = Math.min(x0, lm[i] as number);
    x1 = Math.max(x1, lm[i] as number);
    y0 = Math.min(y0, lm[i + 1] as number);
    y1 = Math.max(y1, lm[i + 1] as number);
  }
  const side = Math.round(Math.max(x1 - x0, y1 - y0) * 1.2);
  const cx = (x0 + x1) / 2;
  const cy = (y0 + y1) / 2;
  const frames = CLIP_SECONDS * CLIP_FPS;
  // Crop a slightly larger square, then let zoompan move inside it (a tracker's crop jitters and follows).
  const big = Math.round(side * 1.25);
  const bx = Math.max(0, Math.round(cx - big / 2));
  const by = Math.max(0, Math.round(cy - big / 2));
  const vf =
    `crop=${big}:${big}:${bx}:${by},scale=${size * 4}:${size * 4},` +
    `zoompan=z='1.2+0.05*sin(2*PI*on/${frames})':x='iw/2-(iw/zoom/2)+${size / 8}*sin(2*PI*on/${frames / 2})':` +
    `y='ih/2-(ih/zoom/2)':d=1:s=${size}x${size}:fps=${CLIP_FPS},format=yuv420p`;
  ffmpeg(['-loop', '1', '-i', FIXTURE_PHOTO_PATH, '-t', String(CLIP_SECONDS), '-vf', vf, '-f', 'yuv4mpegpipe', out]);
  return out;
}
