import { describe, expect, it } from 'vitest';
import { HolocallError, MAX_QUILT_VIEWS, quiltTileOrigin, quiltTileOrigins } from '../src/index';

function errorOf(fn: () => unknown): HolocallError {
  try {
    fn();
  } catch (error) {
    if (error instanceof HolocallError) return error;
    throw error;
  }
  throw new Error('expected a HolocallError');
}

describe('quiltTileOrigins', () => {
  it('gives every view the tile quiltTileOrigin gives it, for every grid shape', () => {
    for (const [cols, rows] of [
      [1, 1],
      [8, 6],
      [5, 9],
      [3, 1],
      [1, 4],
      [MAX_QUILT_VIEWS, 1],
    ] as const) {
      const tiles = quiltTileOrigins({ cols, rows });
      expect(tiles.length).toBe(cols * rows);
      tiles.forEach((tile, view) => {
        expect(tile).toEqual(quiltTileOrigin(view, { cols, rows, viewConeDeg: 40 }));
      });
    }
  });

  it('places view 0 bottom-left, fills rows left to right, then upward', () => {
    const tiles = quiltTileOrigins({ cols: 8, rows: 6 });
    expect(tiles[0]).toEqual({ col: 0, row: 5 });
    expect(tiles[7]).toEqual({ col: 7, row: 5 });
    expect(tiles[8]).toEqual({ col: 0, row: 4 });
    expect(tiles[47]).toEqual({ col: 7, row: 0 });
    // Each tile is used exactly once.
    expect(new Set(tiles.map((t) => `${t.col}/${t.row}`)).size).toBe(48);
  });

  it('refuses the grids quiltTileOrigin refuses, once for the whole quilt', () => {
    expect(errorOf(() => quiltTileOrigins({ cols: 0, rows: 6 })).code).toBe('bad_request');
    expect(errorOf(() => quiltTileOrigins({ cols: 2.5, rows: 6 })).code).toBe('bad_request');
    expect(errorOf(() => quiltTileOrigins({ cols: 8, rows: -1 })).code).toBe('bad_request');
    expect(errorOf(() => quiltTileOrigins({ cols: MAX_QUILT_VIEWS + 1, rows: 1 })).code).toBe('too_large');
    expect(errorOf(() => quiltTileOrigins({ cols: MAX_QUILT_VIEWS, rows: 2 })).code).toBe('too_large');
  });
});
