import { cameraFromAngles, intrinsics, lookAtCam2World, type Vec3 } from '@holocall/protocol';
import { COLOR_CHANNELS, DENSITY_CHANNELS } from '../../src/triplane/decoder';
import { createTriplane, type Triplane } from '../../src/triplane/layout';
import { addColor, addField, gaussianField } from '../../src/triplane/primitives';

/** A 25-float camera at `eye` looking at `target` (EG3D intrinsics). */
export function lookAt(eye: Vec3, target: Vec3 = [0, 0, 0], up: Vec3 = [0, 1, 0]): Float32Array {
  const cam = new Float32Array(25);
  cam.set(lookAtCam2World(eye, target, up), 0);
  cam.set(intrinsics(), 16);
  return cam;
}

/** The protocol's orbit camera, aimed at the world origin (not EG3D's (0, 0, 0.2)) so the origin is the image centre. */
export function orbit(yaw: number, pitch = 0): Float32Array {
  return cameraFromAngles({ yaw, pitch, lookAt: [0, 0, 0] });
}

/** Coloured Gaussian blobs in the analytic decoder's feature space (density through channel 0). */
export function blobTriplane(resolution: number, blobs: { at: Vec3; rgb: Vec3; radius?: number }[]): Triplane {
  const t = createTriplane(resolution);
  for (const b of blobs) {
    const sigma = (b.radius ?? 0.07) / 0.7;
    const field = gaussianField(b.at, [sigma, sigma, sigma], 0.9);
    addField(t, DENSITY_CHANNELS[0], field);
    addColor(t, COLOR_CHANNELS[0], b.rgb, (p, u, v) => field(p, u, v) / 0.9);
  }
  return t;
}

/** Centroid (x right, y down, pixels) of pixels whose colour is dominated by channel `c`. */
export function centroidOf(
  rgba: Uint8Array,
  width: number,
  height: number,
  c: 0 | 1 | 2,
): { x: number; y: number; n: number } {
  let sx = 0;
  let sy = 0;
  let n = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      const v = rgba[i + c]!;
      const others = [0, 1, 2].filter((k) => k !== c).map((k) => rgba[i + k]!);
      if (v > 100 && others.every((o) => o < v * 0.5)) {
        sx += x;
        sy += y;
        n++;
      }
    }
  }
  return { x: sx / n, y: sy / n, n };
}
