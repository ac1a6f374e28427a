/**
 * The ONNX IO contract for the three stages (MODEL_CONTRACT.md explains each field).
 * Every tensor is float32. Tri-planes are [1, 3, 32, 256, 256] in the layout of
 * triplane/layout.ts; cameras are EG3D's 25 floats; images are RGB in [-1, 1] (EG3D/StyleGAN),
 * NCHW, rows top to bottom.
 */
export const MODEL_CONTRACT_VERSION = 1;

export const LIFT_IO = {
  file: 'lift.onnx',
  inputs: { image: 'image', camera: 'camera' },
  outputs: { triplane: 'triplane' },
} as const;

export const REENACT_IO = {
  file: 'reenact.onnx',
  inputs: { sourceTriplane: 'source_triplane', sourceFace: 'source_face', driverFace: 'driver_face' },
  outputs: { residual: 'residual_triplane' },
} as const;

export const RENDER_IO = {
  file: 'render.onnx',
  inputs: { triplane: 'triplane', cameras: 'cameras' },
  outputs: { image: 'image', imageRaw: 'image_raw' },
} as const;

/** Metadata keys every contract model carries (ONNX metadata_props). */
export const META = {
  stage: 'holocall.stage',
  contract: 'holocall.contract_version',
  /** "true" for generated weights: outputs are not a model of anyone and must be labelled UNTRAINED. */
  untrained: 'holocall.untrained',
  neuralResolution: 'holocall.neural_resolution',
  outputResolution: 'holocall.output_resolution',
} as const;

/** Aligned face crop side (lift input) and frontalised face side (reenact inputs). */
export const FACE_SIZE = 512;
