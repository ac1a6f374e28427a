import {
  anglesFromCamera,
  cameraFromAngles,
  cameraFromHeadPose,
  type HeadPose,
  MAX_HEAD_ORBIT_PITCH_RAD,
  quiltCameras,
  type ViewSpec,
} from '@holocall/protocol';
import type { ViewLayout } from '../stages/contract';

export interface ViewCameras {
  cameras: Float32Array[];
  layout: ViewLayout;
  tileWidth: number;
  tileHeight: number;
}

/**
 * Keeps pixels square on a non-square view: EG3D intrinsics are normalised by image width
 * (fx) and height (fy) separately, so fx must shrink by height/width when width > height.
 * The vertical field of view stays EG3D's.
 */
export function fitCameraToAspect(cam: Float32Array, width: number, height: number): Float32Array {
  cam[16] = (cam[20] as number) * (height / width);
  return cam;
}

/** The cameras one driver frame is rendered from, for a receiver's view of that sender. */
export function camerasForView(view: ViewSpec, pose: HeadPose): ViewCameras {
  if (view.kind === 'flat') {
    let cam: Float32Array;
    if (view.camera) cam = Float32Array.from(view.camera);
    else {
      cam = cameraFromHeadPose(pose);
      if (view.offset) {
        // Motion parallax: the receiver's head moves the camera on the orbit.
        const a = anglesFromCamera(cam);
        const pitch = Math.max(
          -MAX_HEAD_ORBIT_PITCH_RAD,
          Math.min(MAX_HEAD_ORBIT_PITCH_RAD, a.pitch + view.offset.pitch),
        );
        cam = cameraFromAngles({ yaw: a.yaw + view.offset.yaw, pitch, roll: a.roll });
      }
      fitCameraToAspect(cam, view.width, view.height);
    }
    return { cameras: [cam], layout: { kind: 'flat' }, tileWidth: view.width, tileHeight: view.height };
  }
  const center = view.followPose === false ? { yaw: 0, pitch: 0, roll: 0 } : anglesFromCamera(cameraFromHeadPose(pose));
  const cameras = quiltCameras(
    { cols: view.cols, rows: view.rows, viewConeDeg: view.viewConeDeg },
    { yaw: center.yaw, pitch: center.pitch, roll: center.roll },
  ).map((c) => fitCameraToAspect(c, view.tileWidth, view.tileHeight));
  return {
    cameras,
    layout: { kind: 'quilt', cols: view.cols, rows: view.rows },
    tileWidth: view.tileWidth,
    tileHeight: view.tileHeight,
  };
}
