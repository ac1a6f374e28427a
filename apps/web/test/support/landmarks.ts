import { LANDMARK_COUNT, LM } from '@holocall/face';

/**
 * A plausible face in landmark form: points spread over an ellipse centred at (cx, cy), with
 * the named eye, nose and mouth points placed as in a frontal face. Enough for the server's
 * plausibility checks, which is all the server does with landmarks.
 */
export function syntheticLandmarks(cx = 320, cy = 300, r = 120): number[] {
  const flat: number[] = [];
  for (let i = 0; i < LANDMARK_COUNT; i++) {
    const a = (i / LANDMARK_COUNT) * Math.PI * 2 * 7;
    const rho = r * Math.sqrt((i + 0.5) / LANDMARK_COUNT);
    flat.push(cx + rho * Math.cos(a) * 0.8, cy + rho * Math.sin(a), (i % 7) - 3);
  }
  const set = (index: number, x: number, y: number) => {
    flat[3 * index] = cx + x * r;
    flat[3 * index + 1] = cy + y * r;
  };
  set(LM.rightEyeOuter, -0.5, -0.25);
  set(LM.rightEyeInner, -0.2, -0.25);
  set(LM.leftEyeInner, 0.2, -0.25);
  set(LM.leftEyeOuter, 0.5, -0.25);
  set(LM.noseTip, 0, 0.1);
  set(LM.upperLipInner, 0, 0.4);
  set(LM.lowerLipInner, 0, 0.45);
  return flat;
}
