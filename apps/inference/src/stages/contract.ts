import type { ReferenceModel } from '../backends/reference/lift';
import type { QualityLevel } from '../render/quality';
import type { Triplane } from '../triplane/layout';

/**
 * The three stages of the neural core (VOODOO 3D). Shapes follow MODEL_CONTRACT.md; ONNX
 * models that implement a stage use the IO names there.
 *
 *   lift:    aligned image 3x512x512 + camera 25  -> tri-plane 3x32x256x256 (+ source face)
 *   reenact: source tri-plane + source face + driver expression -> residual tri-plane (same shape)
 *   render:  tri-plane + cameras Vx25 -> images V x 3 x H x W (ray-marched low-res, upsampled)
 *
 * Reenact and render are backends behind the interfaces below. The node has one lift: the
 * classical reference lift of an enrolled photo (enrollment/lift-job.ts, in the lift worker);
 * its result is a LiftResult.
 */

export const ALIGNED_IMAGE_SIZE = 512;

/** An FFHQ/EG3D-aligned face crop, RGB planar float in [0, 1], 3 x 512 x 512. */
export interface AlignedImage {
  readonly width: number;
  readonly height: number;
  readonly rgb: Float32Array;
}

/**
 * What the lift stage learns about the source face besides its tri-plane, for reenactment:
 * all optional, each backend documents what it fills and needs.
 */
export interface SourceFace {
  /** The source camera (25 floats) the photo was taken from. */
  readonly camera?: Float32Array;
  /** Landmarks in the canonical, pose-free frame (N x 3, row-major). */
  readonly landmarks?: Float32Array;
  /** The sender's neutral expression code (same layout as driver landmark codes). */
  readonly neutralCode?: Float32Array;
  /** The frontalised source face (paper: x_s^f), for image-based expression encoders. */
  readonly frontalImage?: AlignedImage;
  /**
   * What the reference lift made of this face (relief, colours, landmarks in the world): the
   * reference reenact stage warps it. Present exactly when the reference lift made the source.
   */
  readonly reference?: ReferenceModel;
  /**
   * The aligned photo the lift read (RGBA8, the lift's own crop and `camera`): the CPU render
   * stage textures the surface from it at output resolution (render/source-texture.ts).
   */
  readonly photo?: SourcePhoto;
}

/** An RGBA8 image, row-major (the shape of `@holocall/face`'s RgbaImage). */
export interface SourcePhoto {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array | Uint8ClampedArray;
}

/**
 * Where a residual moved the xy plane's content from, for renderers that texture the surface
 * from the source photo: texel (i, j) of `box` = [i0, j0, i1, j1) shows what the source had at
 * continuous grid coordinates (srcU, srcV) (texel centres at +0.5), and keeps `photoWeight` of
 * the photo there (below 1 where the content is new, such as an opened mouth). Outside the box
 * nothing moved. Valid until the backend's next call, like the residual that carries it.
 */
export interface TextureWarp {
  readonly resolution: number;
  readonly box: readonly [number, number, number, number];
  readonly srcU: Float32Array;
  readonly srcV: Float32Array;
  readonly photoWeight: Float32Array;
}

/** A residual tri-plane, optionally with the warp that made it. */
export type ResidualTriplane = Triplane & { readonly textureWarp?: TextureWarp };

export interface LiftResult {
  readonly triplane: Triplane;
  readonly sourceFace: SourceFace;
}

/** The expression part of a driver frame (mirrors `DriverFrame['expression']` of the protocol). */
export type DriverExpression =
  | { kind: 'none' }
  | { kind: 'landmarks'; code: Float32Array }
  | { kind: 'latent'; code: Float32Array }
  | { kind: 'crop'; cropSeq: number; image?: AlignedImage };

export interface ReenactInput {
  readonly source: Triplane;
  readonly sourceFace: SourceFace;
  readonly driver: DriverExpression;
}

/** How the UI names the expression model a node runs (welcome and stats carry it). */
export interface BackendInfo {
  readonly id: string;
  readonly label: string;
  /** False unless trained weights drive the heads: the UI must not present it as a trained model. */
  readonly trained: boolean;
}

export interface ReenactBackend {
  readonly name: string;
  readonly untrained: boolean;
  /** What the UI shows for this expression model. */
  readonly info: BackendInfo;
  /** True when it drives sources by their reference landmark model, so lifts must keep one (`sourceFace.reference`). */
  readonly needsReferenceModel: boolean;
  /**
   * The residual to add to the source tri-plane (T' = T + residual), or null for a zero
   * residual (the renderer then reuses the source's prepared planes and occupancy grid).
   * A returned tri-plane may be reused by the backend on its next call: consume it first.
   */
  residual(input: ReenactInput): Promise<Triplane | null>;
}

/** How the views of one render are laid out: one view, or a Looking Glass quilt (view 0 bottom-left). */
export type ViewLayout = { kind: 'flat' } | { kind: 'quilt'; cols: number; rows: number };

export interface RenderRequest {
  /** One 25-float camera per view (quilt: cols * rows, view 0 leftmost). */
  readonly cameras: readonly Float32Array[];
  readonly layout: ViewLayout;
  /** Output size of each view. */
  readonly tileWidth: number;
  readonly tileHeight: number;
  readonly quality: QualityLevel;
}

export interface RenderedFrame {
  /** RGBA8, (cols * tileWidth) x (rows * tileHeight); colour over black, alpha = coverage. Valid until the next render. */
  readonly pixels: Uint8Array;
  readonly width: number;
  readonly height: number;
  readonly views: number;
  /** The ray grid and samples actually used per view. */
  readonly rays: { width: number; height: number; coarseSamples: number; fineSamples: number };
  readonly decodedSamples: number;
  readonly ms: number;
}

/** A tri-plane made ready for one render stage (packed planes, grids, device buffers...). */
export interface PreparedTriplane {
  readonly triplane: Triplane;
  /** Bytes held on top of the tri-plane itself. */
  readonly bytes: number;
}

export interface RenderStage {
  readonly name: string;
  /** Where it runs: 'cpu', 'webgpu', 'cuda'. */
  readonly executionProvider: string;
  readonly untrained: boolean;
  /** `sourceFace`, when given, may carry what a stage textures from (`photo`, `camera`, the reference matte). */
  prepare(triplane: Triplane, sourceFace?: SourceFace): Promise<PreparedTriplane>;
  release(prepared: PreparedTriplane): void;
  /** Renders T' = prepared + residual (null: no residual) for every camera of the request. */
  render(prepared: PreparedTriplane, residual: ResidualTriplane | null, request: RenderRequest): Promise<RenderedFrame>;
  /** Stage-specific counters for the node's stats (threads, worker respawns...). */
  stats?(): Record<string, unknown>;
  close(): Promise<void>;
}
