import { ffhqAlignment } from '@holocall/face';
import { CROP_SIDE } from '@holocall/protocol';

/**
 * The aligned crop (FFHQ/EG3D: eyes level and symmetric above the centre, mouth below, in a
 * 512x512 square), drawn with a canvas from the photo and its landmarks. The alignment comes
 * from packages/face, the same code the inference node uses, so both crop alike. Where the
 * square reaches past the photo's edge the crop is black (FFHQ pads by reflection; a
 * difference at the borders only).
 */
export async function alignedCropPng(image: ImageBitmap, landmarks: Float64Array): Promise<Blob | null> {
  const { toCrop } = ffhqAlignment(landmarks, CROP_SIDE);
  const canvas = new OffscreenCanvas(CROP_SIDE, CROP_SIDE);
  const ctx = canvas.getContext('2d');
  if (!ctx) return null;
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, CROP_SIDE, CROP_SIDE);
  ctx.imageSmoothingQuality = 'high';
  // p' = [a -b; b a] p + t, as a canvas transform (a, b, c, d, e, f) = (a, b, -b, a, tx, ty).
  ctx.setTransform(toCrop.a, toCrop.b, -toCrop.b, toCrop.a, toCrop.tx, toCrop.ty);
  ctx.drawImage(image, 0, 0);
  return canvas.convertToBlob({ type: 'image/png' });
}
