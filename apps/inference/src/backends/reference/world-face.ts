import { canonicalFromFit, type FaceFit, fitFace, LANDMARK_COUNT } from '@holocall/face';
import { cameraFromHeadPose, EG3D_CAMERA } from '@holocall/protocol';
import { backProject, type PinholeCamera, pinholeFromCamera25, toCamera } from './camera-math';

/**
 * The source face placed in the world (the head's canonical frame, EG3D axes): from the aligned
 * crop's landmarks, a source camera and 3D landmark positions whose projections through that
 * camera are exactly the tracked landmarks.
 *
 * Placement: the canonical face (fit to the reference face, pose removed, unit = IOD) is put in
 * the world unrotated, with its origin (between the eyes) on the ray of the crop's eye midpoint at
 * the camera depth of EG3D's look-at point (so the head sits where EG3D heads sit: eyes near
 * z = 0.2, skull centre near the origin), scaled so its IOD matches the crop at that depth.
 * Each landmark then slides within its own camera-depth plane onto its tracked pixel, which
 * absorbs perspective and the tracker's non-rigid detail.
 */
export interface WorldFace {
  /** The source camera (25 floats) the aligned photo is taken to be seen from. */
  camera: Float32Array;
  pinhole: PinholeCamera;
  fit: FaceFit;
  /** Canonical landmarks (IOD units, head axes), 478 x 3. */
  canonical: Float64Array;
  /** World positions of the 478 landmarks. */
  world: Float64Array;
  /** World units per canonical unit (the face's IOD in world units). */
  iod: number;
  /** World position of the canonical origin (between the eyes). */
  origin: [number, number, number];
}

export function placeFace(cropLandmarks: ArrayLike<number>, cropSize: number, camera?: Float32Array): WorldFace {
  const fit = fitFace(cropLandmarks);
  const canonical = canonicalFromFit(cropLandmarks, fit);
  // The crop is centred on the face by construction, so no line-of-sight correction.
  const cam = camera ?? cameraFromHeadPose({ rotation: fit.angles, translation: [0, 0, 1] }, { lineOfSight: false });
  const pinhole = pinholeFromCamera25(cam, cropSize, cropSize);
  const lookAt = EG3D_CAMERA.lookAt;
  const tmp = new Float64Array(3);
  toCamera(pinhole, lookAt[0], lookAt[1], lookAt[2], tmp);
  const depth0 = tmp[2]!;
  const origin = backProject(pinhole, fit.translation[0], fit.translation[1], depth0);
  const iod = (fit.scale * depth0) / (pinhole.fx * cropSize);
  const world = new Float64Array(LANDMARK_COUNT * 3);
  for (let i = 0; i < LANDMARK_COUNT; i++) {
    const wx = origin[0] + iod * canonical[3 * i]!;
    const wy = origin[1] + iod * canonical[3 * i + 1]!;
    const wz = origin[2] + iod * canonical[3 * i + 2]!;
    toCamera(pinhole, wx, wy, wz, tmp);
    const p = backProject(pinhole, cropLandmarks[3 * i] as number, cropLandmarks[3 * i + 1] as number, tmp[2]!);
    world[3 * i] = p[0];
    world[3 * i + 1] = p[1];
    world[3 * i + 2] = p[2];
  }
  return { camera: cam, pinhole, fit, canonical, world, iod, origin };
}
