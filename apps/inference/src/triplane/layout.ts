/**
 * The tri-plane as every stage sees it (VOODOO 3D / EG3D): three axis-aligned feature planes,
 * stored plane-major, channel-major, row-major: `data[((plane * C + channel) * R + row) * R + col]`.
 *
 * Plane order and axes (see MODEL_CONTRACT.md): plane 0 = xy (u = x, v = y), plane 1 = yz
 * (u = y, v = z), plane 2 = zx (u = z, v = x). The column index follows u and the row index
 * follows v, both increasing with the world coordinate, as `GridSample(align_corners=False)`
 * reads them: texel centre i sits at world coordinate `((i + 0.5) / R - 0.5) * BOX_WARP`.
 * A point's feature is the SUM of its three bilinear samples (paper eq. 2).
 */
export const TRIPLANE_PLANES = 3;
export const TRIPLANE_CHANNELS = 32;
export const TRIPLANE_RESOLUTION = 256;

/** Float count of a contract-size tri-plane (6,291,456 floats, 24 MiB). */
export const TRIPLANE_FLOATS = TRIPLANE_PLANES * TRIPLANE_CHANNELS * TRIPLANE_RESOLUTION * TRIPLANE_RESOLUTION;

/** Plane index by name, in storage order. */
export const PLANE = { xy: 0, yz: 1, zx: 2 } as const;

/** For each plane, which world axis (0 = x, 1 = y, 2 = z) drives its u (column) and v (row). */
export const PLANE_AXES: readonly (readonly [u: number, v: number])[] = [
  [0, 1],
  [1, 2],
  [2, 0],
];

export interface Triplane {
  /** Plane side in texels (256 for the contract; tests use smaller ones). */
  readonly resolution: number;
  /** Channels per plane (32 for the contract). */
  readonly channels: number;
  /** `[3][channels][resolution][resolution]` float32. */
  readonly data: Float32Array;
}

export function createTriplane(resolution = TRIPLANE_RESOLUTION, channels = TRIPLANE_CHANNELS): Triplane {
  return { resolution, channels, data: new Float32Array(TRIPLANE_PLANES * channels * resolution * resolution) };
}

/** Offset of texel (0, 0) of `channel` on `plane`. */
export function planeChannelOffset(t: Triplane, plane: number, channel: number): number {
  return (plane * t.channels + channel) * t.resolution * t.resolution;
}

/** Byte size of a tri-plane's feature data. */
export function triplaneBytes(t: Triplane): number {
  return t.data.byteLength;
}
