/**
 * Projection with EG3D's 25-float cameras (OpenCV cam2world + normalised intrinsics), for
 * mapping between the aligned photo and the world: where a world point lands in the image,
 * and which world point at a given camera depth an image point comes from.
 */
export interface PinholeCamera {
  /** Row-major cam2world rotation (columns: camera x right, y down, z forward, in world axes). */
  readonly r: Float64Array;
  readonly origin: [number, number, number];
  readonly fx: number;
  readonly fy: number;
  readonly cx: number;
  readonly cy: number;
  /** Image size the normalised intrinsics are scaled to. */
  readonly width: number;
  readonly height: number;
}

export function pinholeFromCamera25(cam: ArrayLike<number>, width: number, height: number): PinholeCamera {
  const r = new Float64Array(9);
  for (let row = 0; row < 3; row++) for (let c = 0; c < 3; c++) r[row * 3 + c] = cam[row * 4 + c] as number;
  return {
    r,
    origin: [cam[3] as number, cam[7] as number, cam[11] as number],
    fx: cam[16] as number,
    fy: cam[20] as number,
    cx: cam[18] as number,
    cy: cam[21] as number,
    width,
    height,
  };
}

/** World point -> camera coordinates (x right, y down, z = depth along the view axis). */
export function toCamera(c: PinholeCamera, x: number, y: number, z: number, out: Float64Array): void {
  const dx = x - c.origin[0];
  const dy = y - c.origin[1];
  const dz = z - c.origin[2];
  const r = c.r;
  out[0] = r[0]! * dx + r[3]! * dy + r[6]! * dz;
  out[1] = r[1]! * dx + r[4]! * dy + r[7]! * dz;
  out[2] = r[2]! * dx + r[5]! * dy + r[8]! * dz;
}

/** World point -> continuous pixel coordinates (pixel centres at +0.5) and depth, in out[0..2]. */
export function projectPoint(c: PinholeCamera, x: number, y: number, z: number, out: Float64Array): void {
  toCamera(c, x, y, z, out);
  const d = out[2]!;
  out[0] = (c.fx * (out[0]! / d) + c.cx) * c.width;
  out[1] = (c.fy * (out[1]! / d) + c.cy) * c.height;
  out[2] = d;
}

/** The world point seen at pixel (u, v) at camera depth `depth`. */
export function backProject(c: PinholeCamera, u: number, v: number, depth: number): [number, number, number] {
  const xc = ((u / c.width - c.cx) / c.fx) * depth;
  const yc = ((v / c.height - c.cy) / c.fy) * depth;
  const r = c.r;
  return [
    c.origin[0] + r[0]! * xc + r[1]! * yc + r[2]! * depth,
    c.origin[1] + r[3]! * xc + r[4]! * yc + r[5]! * depth,
    c.origin[2] + r[6]! * xc + r[7]! * yc + r[8]! * depth,
  ];
}
