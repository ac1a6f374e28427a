import type { TrackerClient } from '@holocall/face/browser/tracker-client';
import { refuseEnrollment } from '@holocall/protocol';
import { type AvatarView, api } from '../api';
import { alignedCropPng } from '../face/aligned-crop';
import { checkPhotoFile } from './photo-checks';
import { refusalMessage } from './refusal-messages';

export type EnrollStep = { stage: 'checking' } | { stage: 'detecting' } | { stage: 'uploading' } | { stage: 'done' };

/**
 * Enrolls one photo: check it here (type, size, pixels), decode it with EXIF orientation
 * applied, find exactly one face with the tracker, make the aligned 512x512 crop from its
 * landmarks, then upload photo + crop + landmarks (the server checks them again). A refusal,
 * from here or from the server, is thrown as an Error in the words of refusal-messages.ts.
 */
export async function enrollPhoto(
  photo: Blob,
  tracker: TrackerClient,
  onStep: (step: EnrollStep) => void,
): Promise<{ avatar: AvatarView }> {
  try {
    return await enrollChecked(photo, tracker, onStep);
  } catch (error) {
    throw new Error(refusalMessage(error), { cause: error });
  }
}

async function enrollChecked(
  photo: Blob,
  tracker: TrackerClient,
  onStep: (step: EnrollStep) => void,
): Promise<{ avatar: AvatarView }> {
  onStep({ stage: 'checking' });
  await checkPhotoFile(photo);
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(photo, { imageOrientation: 'from-image' });
  } catch (error) {
    throw refuseEnrollment('photo_undecodable', 'the browser could not decode the photo', undefined, error);
  }
  try {
    onStep({ stage: 'detecting' });
    const detection = await tracker.detect(bitmap);
    if (detection.faces.length === 0) throw refuseEnrollment('no_face', 'the tracker found no face');
    if (detection.faces.length > 1)
      throw refuseEnrollment('several_faces', 'the tracker found several faces', { faces: detection.faces.length });
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
