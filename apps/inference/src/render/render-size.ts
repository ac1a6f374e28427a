import { HolocallError, MAX_QUILT_VIEWS, MAX_RENDER_PIXELS } from '@holocall/protocol';
import type { RenderRequest } from '../stages/contract';
import type { Triplane } from '../triplane/layout';

export interface RenderSize {
  views: number;
  cols: number;
  rows: number;
  /** Whole image (a quilt: cols * tileWidth x rows * tileHeight). */
  width: number;
  height: number;
}

/**
 * What every render stage checks before any work: the cameras match the layout, at most
 * MAX_QUILT_VIEWS of them (the protocol's own limit, so nothing the API accepts is refused
 * later), and the image fits the protocol's MAX_RENDER_PIXELS (what the welcome announces).
 */
export function renderSize(request: RenderRequest): RenderSize {
  const views = request.cameras.length;
  const cols = request.layout.kind === 'quilt' ? request.layout.cols : 1;
  const rows = request.layout.kind === 'quilt' ? request.layout.rows : 1;
  if (views < 1 || views > MAX_QUILT_VIEWS || views !== cols * rows) {
    throw HolocallError.badRequest('camera count does not match the layout', { views, cols, rows });
  }
  const width = cols * request.tileWidth;
  const height = rows * request.tileHeight;
  if (width * height > MAX_RENDER_PIXELS)
    throw HolocallError.tooLarge('output pixels', MAX_RENDER_PIXELS, width * height);
  return { views, cols, rows, width, height };
}

/**
 * T + residual into `working` (reallocated only when the size changes), or T itself without a
 * residual: the dense stages feed the sum to their graphs.
 */
export function planesWithResidual(
  triplane: Triplane,
  residual: Triplane | null,
  working: Float32Array | null,
): { planes: Float32Array; working: Float32Array | null } {
  if (!residual) return { planes: triplane.data, working };
  const base = triplane.data;
  const out = working && working.length === base.length ? working : new Float32Array(base.length);
  const add = residual.data;
  for (let i = 0; i < base.length; i++) out[i] = (base[i] as number) + (add[i] as number);
  return { planes: out, working: out };
}
