/**
 * 2D similarity transforms (rotation + uniform scale + translation), the kind FFHQ alignment
 * produces: p' = [a -b; b a] p + [tx, ty]. Scale = hypot(a, b), angle = atan2(b, a).
 */
export interface Similarity2D {
  a: number;
  b: number;
  tx: number;
  ty: number;
}

export function applySimilarity(s: Similarity2D, x: number, y: number): [number, number] {
  return [s.a * x - s.b * y + s.tx, s.b * x + s.a * y + s.ty];
}

export function similarityScale(s: Similarity2D): number {
  return Math.hypot(s.a, s.b);
}

export function similarityAngle(s: Similarity2D): number {
  return Math.atan2(s.b, s.a);
}

export function invertSimilarity(s: Similarity2D): Similarity2D {
  const d = s.a * s.a + s.b * s.b;
  const a = s.a / d;
  const b = -s.b / d;
  // p = inv(M)(p' - t)
  return { a, b, tx: -(a * s.tx - b * s.ty), ty: -(b * s.tx + a * s.ty) };
}

/** s2 ∘ s1 (apply s1 first). */
export function composeSimilarity(s2: Similarity2D, s1: Similarity2D): Similarity2D {
  const [tx, ty] = applySimilarity(s2, s1.tx, s1.ty);
  return { a: s2.a * s1.a - s2.b * s1.b, b: s2.b * s1.a + s2.a * s1.b, tx, ty };
}

/**
 * The similarity that maps point pair (p0, p1) onto (q0, q1) exactly.
 */
export function similarityFromPairs(
  p0: readonly [number, number],
  p1: readonly [number, number],
  q0: readonly [number, number],
  q1: readonly [number, number],
): Similarity2D {
  const px = p1[0] - p0[0];
  const py = p1[1] - p0[1];
  const qx = q1[0] - q0[0];
  const qy = q1[1] - q0[1];
  const d = px * px + py * py;
  // (a + ib) = q / p as complex numbers.
  const a = (qx * px + qy * py) / d;
  const b = (qy * px - qx * py) / d;
  return { a, b, tx: q0[0] - (a * p0[0] - b * p0[1]), ty: q0[1] - (b * p0[0] + a * p0[1]) };
}

/** Applies a similarity to the x, y of flat [x, y, z] landmarks; z is scaled by the similarity's scale. */
export function transformLandmarks2D(l: ArrayLike<number>, s: Similarity2D): Float64Array {
  const n = Math.floor(l.length / 3);
  const out = new Float64Array(n * 3);
  const scale = similarityScale(s);
  for (let i = 0; i < n; i++) {
    const [x, y] = applySimilarity(s, l[3 * i] as number, l[3 * i + 1] as number);
    out[3 * i] = x;
    out[3 * i + 1] = y;
    out[3 * i + 2] = (l[3 * i + 2] as number) * scale;
  }
  return out;
}
