import type { Locator } from '@playwright/test';

/**
 * Rendered frames read back from the page's canvases, and the measures the suites put on them.
 * Images are small grey-level grids (so they travel cheaply out of the page), row-major, 0..255.
 */
export interface Grey {
  width: number;
  height: number;
  data: number[];
}

/** The canvas's pixels, or a sub-rectangle of them, averaged down to `size`x`size` grey levels. */
export async function readCanvas(
  canvas: Locator,
  size = 48,
  rect?: { x: number; y: number; width: number; height: number },
): Promise<Grey> {
  return canvas.evaluate(
    (c: HTMLCanvasElement, { size, rect }) => {
      const r = rect ?? { x: 0, y: 0, width: c.width, height: c.height };
      const small = document.createElement('canvas');
      small.width = size;
      small.height = size;
      const ctx = small.getContext('2d')!;
      ctx.drawImage(c, r.x, r.y, r.width, r.height, 0, 0, size, size);
      const px = ctx.getImageData(0, 0, size, size).data;
      const data: number[] = [];
      for (let i = 0; i < px.length; i += 4) data.push(Math.round((px[i]! + px[i + 1]! + px[i + 2]!) / 3));
      return { width: size, height: size, data };
    },
    { size, rect },
  );
}

export const mirror = (g: Grey): Grey => ({
  ...g,
  data: g.data.map((_, i) => g.data[Math.floor(i / g.width) * g.width + (g.width - 1 - (i % g.width))]!),
});

/** Mean absolute grey-level difference. */
export function distance(a: Grey, b: Grey): number {
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) sum += Math.abs(a.data[i]! - (b.data[i] ?? 0));
  return sum / a.data.length;
}

/** Horizontal centre of brightness, 0 (left edge) .. 1 (right edge); the background is black. */
export function centroidX(g: Grey): number {
  let mass = 0;
  let moment = 0;
  for (let i = 0; i < g.data.length; i++) {
    mass += g.data[i]!;
    moment += g.data[i]! * ((i % g.width) + 0.5);
  }
  return mass === 0 ? 0.5 : moment / mass / g.width;
}

/** Fraction of pixels brighter than the black background: is anything drawn at all. */
export const coverage = (g: Grey): number => g.data.filter((v) => v > 16).length / g.data.length;

/** Every tile of a quilt canvas, read from one snapshot of it (the page redraws it as frames arrive). */
export async function readQuiltViews(
  canvas: Locator,
  quilt: { cols: number; rows: number; tileWidth: number; tileHeight: number },
  size = 32,
): Promise<Grey[]> {
  return canvas.evaluate(
    (c: HTMLCanvasElement, { quilt, size }) => {
      const snapshot = document.createElement('canvas');
      snapshot.width = c.width;
      snapshot.height = c.height;
      snapshot.getContext('2d')!.drawImage(c, 0, 0);
      const small = document.createElement('canvas');
      small.width = size;
      small.height = size;
      const ctx = small.getContext('2d')!;
      const views = [];
      // View v sits at column v % cols, counted from the bottom row (quiltTileOrigin).
      for (let v = 0; v < quilt.cols * quilt.rows; v++) {
        const x = (v % quilt.cols) * quilt.tileWidth;
        const y = (quilt.rows - 1 - Math.floor(v / quilt.cols)) * quilt.tileHeight;
        ctx.clearRect(0, 0, size, size);
        ctx.drawImage(snapshot, x, y, quilt.tileWidth, quilt.tileHeight, 0, 0, size, size);
        const px = ctx.getImageData(0, 0, size, size).data;
        const data: number[] = [];
        for (let i = 0; i < px.length; i += 4) data.push(Math.round((px[i]! + px[i + 1]! + px[i + 2]!) / 3));
        views.push({ width: size, height: size, data });
      }
      return views;
    },
    { quilt, size },
  );
}
