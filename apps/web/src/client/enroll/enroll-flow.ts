import type { TrackerClient } from '@holocall/face/browser/tracker-client';
import { type AvatarView, api } from '../api';
import { alignedCropPng } from '../face/aligned-crop';
import { checkPhotoFile } from './photo-checks';

export type EnrollStep = { stage: 'checking' } | { stage: 'detecting' } | { stage: 'uploading' } | { stage: 'done' };

/**
 * Enrolls one photo: check it here (type, size, pixels), decode it with EXIF orientation
 * applied, find exactly one face with the tracker, make the aligned 512x512 crop from its
 * landmarks, then upload photo + crop + landmarks (the server checks them again).
 */
export async function enrollPhoto(
  photo: Blob,
  tracker: TrackerClient,
  onStep: (step: EnrollStep) => void,
): Promise<{ avatar: AvatarView }> {
  onStep({ stage: 'checking' });
  const problem = await checkPhotoFile(photo);
  if (problem) throw new Error(problem);
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(photo, { imageOrientation: 'from-image' });
  } catch {
    throw new Error('The photo could not be decoded.');
  }
  try {
    onStep({ stage: 'detecting' });
    const detection = await tracker.detect(bitmap);
    if (detection.faces.length === 0)
      throw new Error('No face was found in the photo. Try one facing the camera, well lit.');
    if (detection.faces.length > 1) throw new Error('The photo must show exactly one face.');
    const face = detection.faces[0]!;
    const crop = await alignedCropPng(bitmap, face.landmarks);
    const form = new FormData();
    form.set('photo', photo, 'photo');
    if (crop) form.set('crop', crop, 'crop.png');
    form.set('landmarks', JSON.stringify(Array.from(face.landmarks, (v) => Math.round(v * 100) / 100)));
    form.set('displayWidth', String(bitmap.width));
    form.set('displayHeight', String(bitmap.height));
    onStep({ stage: 'uploading' });
    return await api.enroll(form);
  } finally {
    bitmap.close();
  }
}
