import { DataType, GraphBuilder } from '../onnx/graph';
import { addCameraRays, addVolumeRenderer, type Decoder } from '../onnx/render-graph';
import { COLOR_SCALE, COLOR_SHIFT, RAY_END, RAY_START } from '../render/eg3d';
import { TRIPLANE_CHANNELS, TRIPLANE_RESOLUTION } from '../triplane/layout';
import { conv2d, leakyRelu, linear, relu, segformerBlock, upsample2x, WeightSource } from './layers';
import { FACE_SIZE, LIFT_IO, META, MODEL_CONTRACT_VERSION, REENACT_IO, RENDER_IO } from './model-contract';

/**
 * Architecture-size graphs with GENERATED (random, UNTRAINED) weights for the three stages,
 * following the IO contract. They measure what a trained VOODOO-style model costs to run;
 * their outputs are noise. Every file says so in its name, doc string and metadata.
 */
export interface GeneratedGraph {
  name: string;
  bytes: Uint8Array;
  weightBytes: number;
}

const UNTRAINED_DOC =
  'UNTRAINED: architecture-size graph with generated random weights, for measuring cost only. Its outputs are noise, not a model of anyone.';
const C = TRIPLANE_CHANNELS;
const R = TRIPLANE_RESOLUTION;

function meta(stage: string, extra: Record<string, string> = {}): Record<string, string> {
  return { [META.stage]: stage, [META.contract]: String(MODEL_CONTRACT_VERSION), [META.untrained]: 'true', ...extra };
}

/** EG3D's OSGDecoder: summed features -> FC 64 (softplus) -> 1 density + 32 features (sigmoid). */
function eg3dDecoder(w: WeightSource): Decoder {
  const hidden = 64;
  const features = 32;
  return {
    colorChannels: features,
    apply(g, feat) {
      const h = g.op('Softplus', [linear(g, w, feat, C, hidden)]);
      const out = linear(g, w, h, hidden, 1 + features);
      const raw = g.squeeze(g.slice(out, [0], [1], [2]), [2]);
      const f = g.slice(out, [1], [1 + features], [2]);
      return { raw, color: g.add(g.mul(g.op('Sigmoid', [f]), g.scalar(COLOR_SCALE)), g.scalar(COLOR_SHIFT)) };
    },
  };
}

export interface RenderGraphSize {
  neuralResolution: number;
  coarseSamples: number;
  fineSamples: number;
  /** Upsampler blocks (each doubles the resolution): [out channels] per block; EG3D 8x: [256, 128]. */
  upsampler: number[];
}

export const EG3D_RENDER_SIZE: RenderGraphSize = {
  neuralResolution: 128,
  coarseSamples: 48,
  fineSamples: 48,
  upsampler: [256, 128],
};

/**
 * render: triplane [1, 3, 32, 256, 256] + cameras [V, 25] -> image [V, 3, 512, 512] and image_raw
 * [V, 3, 128, 128]. Rays are built in the graph from the cameras (EG3D RaySampler), the volume
 * is rendered at 128^2 with 48 + 48 samples and the EG3D decoder, and a StyleGAN2-like
 * upsampler (two synthesis blocks of two 3x3 convs, like EG3D's SuperresolutionHybrid8XDC with
 * fixed styles) takes the 32-channel feature image to 512^2.
 */
export function buildUntrainedRenderGraph(size: RenderGraphSize = EG3D_RENDER_SIZE, seed = 3): GeneratedGraph {
  const w = new WeightSource(seed);
  const g = new GraphBuilder('untrained_render');
  const n = size.neuralResolution;
  const triplane = g.input(RENDER_IO.inputs.triplane, DataType.float, [1, 3, C, R, R]);
  const cameras = g.input(RENDER_IO.inputs.cameras, DataType.float, ['views', 25]);
  const planes = g.reshape(triplane, [3, C, R, R]);
  const { origins, dirs } = addCameraRays(g, cameras, n, n);
  const rendered = addVolumeRenderer(g, planes, origins, dirs, eg3dDecoder(w), {
    coarseSamples: size.coarseSamples,
    fineSamples: size.fineSamples,
    rayStart: RAY_START,
    rayEnd: RAY_END,
  }); // [V*P, 33]
  const features = g.transpose(g.reshape(g.slice(rendered, [0], [32], [1]), [-1, n, n, 32]), [0, 3, 1, 2]); // [V, 32, n, n]
  const toSigned = (x: string) => g.sub(g.mul(x, g.scalar(2)), g.scalar(1));
  const imageRaw = toSigned(g.slice(features, [0], [3], [1]));
  // Upsampler: per block, 2x bilinear, conv 3x3, lrelu, conv 3x3, lrelu, plus an upsampled RGB skip.
  let x = features;
  let cin = 32;
  let rgb = imageRaw;
  for (const cout of size.upsampler) {
    x = leakyRelu(g, conv2d(g, w, upsample2x(g, x), cin, cout, 3));
    x = leakyRelu(g, conv2d(g, w, x, cout, cout, 3));
    rgb = g.add(upsample2x(g, rgb), conv2d(g, w, x, cout, 3, 1));
    cin = cout;
  }
  const out = n * 2 ** size.upsampler.length;
  g.output(g.op('Tanh', [rgb]), RENDER_IO.outputs.image, DataType.float, ['views', 3, out, out]);
  g.output(imageRaw, RENDER_IO.outputs.imageRaw, DataType.float, ['views', 3, n, n]);
  const bytes = g.toModelBytes({
    producer: 'holocall-inference',
    doc: `${UNTRAINED_DOC} Render stage: EG3D-size volume renderer (${n}^2, ${size.coarseSamples}+${size.fineSamples} samples) and conv upsampler to ${out}^2.`,
    metadata: meta('render', { [META.neuralResolution]: String(n), [META.outputResolution]: String(out) }),
  });
  return { name: `render.untrained`, bytes, weightBytes: g.weightBytes };
}

/** A strided conv encoder: image [1, 3, S, S] -> [1, channels.at(-1), S / 2^k, S / 2^k]. */
function convEncoder(g: GraphBuilder, w: WeightSource, x: string, channels: number[], extraAtEnd: number): string {
  let cin = 3;
  let y = x;
  for (const cout of channels) {
    y = relu(g, conv2d(g, w, y, cin, cout, 3, { stride: 2 }));
    cin = cout;
  }
  for (let i = 0; i < extraAtEnd; i++) y = relu(g, conv2d(g, w, y, cin, cin, 3));
  return y;
}

/**
 * reenact (paper Sec. 3.2, supplementary Tab. 4 and 5): source_triplane [1, 3, 32, 256, 256],
 * source_face and driver_face [1, 3, 512, 512] (frontalised) -> residual_triplane. E_t is Tab. 4
 * exactly; E_s and E_d stand in for DeepLabV3 with a lighter strided conv encoder to the same
 * 256 x 64 x 64 output; the transformer is Tab. 5 (PatchEmbed 640 -> 1024, two SegFormer blocks,
 * PixelShuffle, upsampling convs to 96 x 256 x 256).
 */
export function buildUntrainedReenactGraph(seed = 5): GeneratedGraph {
  const w = new WeightSource(seed);
  const g = new GraphBuilder('untrained_reenact');
  const tri = g.input(REENACT_IO.inputs.sourceTriplane, DataType.float, [1, 3, C, R, R]);
  const src = g.input(REENACT_IO.inputs.sourceFace, DataType.float, [1, 3, FACE_SIZE, FACE_SIZE]);
  const drv = g.input(REENACT_IO.inputs.driverFace, DataType.float, [1, 3, FACE_SIZE, FACE_SIZE]);
  // E_t (Tab. 4).
  let t = g.reshape(tri, [1, 3 * C, R, R]);
  t = relu(g, conv2d(g, w, t, 96, 96, 3, { stride: 2 }));
  t = relu(g, conv2d(g, w, t, 96, 96, 3));
  t = relu(g, conv2d(g, w, t, 96, 128, 3, { stride: 2 }));
  t = relu(g, conv2d(g, w, t, 128, 128, 3));
  t = conv2d(g, w, t, 128, 128, 3); // [1, 128, 64, 64]
  // E_s, E_d (DeepLabV3 stand-ins): 512 -> 64, 256 channels.
  const fs = convEncoder(g, w, src, [64, 128, 256], 2);
  const fd = convEncoder(g, w, drv, [64, 128, 256], 2);
  const f = g.concat([fs, fd, t], 1); // [1, 640, 64, 64]
  // Tab. 5.
  const embed = conv2d(g, w, f, 640, 1024, 3, { stride: 2, pad: 1 }); // [1, 1024, 32, 32]
  let tokens = g.transpose(g.reshape(embed, [1, 1024, 32 * 32]), [0, 2, 1]);
  for (let b = 0; b < 2; b++) tokens = segformerBlock(g, w, tokens, 1024, 4, 2, 32, 32);
  let y = g.reshape(g.transpose(tokens, [0, 2, 1]), [1, 1024, 32, 32]);
  y = g.op('DepthToSpace', [y], { blocksize: { int: 2 }, mode: { string: 'CRD' } }); // PixelShuffle: [1, 256, 64, 64]
  y = relu(g, conv2d(g, w, upsample2x(g, y), 256, 128, 3));
  y = relu(g, conv2d(g, w, upsample2x(g, y), 128, 128, 3));
  y = conv2d(g, w, y, 128, 96, 3); // [1, 96, 256, 256]
  g.output(g.reshape(y, [1, 3, C, R, R]), REENACT_IO.outputs.residual, DataType.float, [1, 3, C, R, R]);
  const bytes = g.toModelBytes({
    producer: 'holocall-inference',
    doc: `${UNTRAINED_DOC} Reenact stage: VOODOO 3D expression module (Tab. 4, Tab. 5; DeepLabV3 encoders replaced by lighter conv encoders).`,
    metadata: meta('reenact'),
  });
  return { name: 'reenact.untrained', bytes, weightBytes: g.weightBytes };
}

/**
 * lift (Lp3D-like, approximate): image [1, 3, 512, 512] + camera [1, 25] -> triplane. A
 * high-resolution conv branch (E_high) and a low-resolution transformer branch (E_low: strided
 * convs to 32 x 32 x 1024, two SegFormer blocks, upsampling), fused by convs into 96 x 256 x 256;
 * the camera enters as a per-channel bias.
 */
export function buildUntrainedLiftGraph(seed = 7): GeneratedGraph {
  const w = new WeightSource(seed);
  const g = new GraphBuilder('untrained_lift');
  const image = g.input(LIFT_IO.inputs.image, DataType.float, [1, 3, FACE_SIZE, FACE_SIZE]);
  const camera = g.input(LIFT_IO.inputs.camera, DataType.float, [1, 25]);
  // E_high: 512 -> 256, 96 channels.
  let hi = relu(g, conv2d(g, w, image, 3, 64, 7, { stride: 2, pad: 3 }));
  hi = relu(g, conv2d(g, w, hi, 64, 96, 3));
  hi = relu(g, conv2d(g, w, hi, 96, 96, 3));
  // E_low: 512 -> 32, 1024 channels, transformer, back up to 256.
  let lo = convEncoder(g, w, image, [64, 128, 256, 512], 0);
  lo = relu(g, conv2d(g, w, lo, 512, 1024, 3)); // [1, 1024, 32, 32]
  let tokens = g.transpose(g.reshape(lo, [1, 1024, 32 * 32]), [0, 2, 1]);
  for (let b = 0; b < 2; b++) tokens = segformerBlock(g, w, tokens, 1024, 4, 2, 32, 32);
  lo = g.reshape(g.transpose(tokens, [0, 2, 1]), [1, 1024, 32, 32]);
  lo = g.op('DepthToSpace', [lo], { blocksize: { int: 2 }, mode: { string: 'CRD' } }); // [1, 256, 64, 64]
  lo = relu(g, conv2d(g, w, upsample2x(g, lo), 256, 128, 3));
  lo = relu(g, conv2d(g, w, upsample2x(g, lo), 128, 96, 3)); // [1, 96, 256, 256]
  let y = g.concat([hi, lo], 1);
  y = relu(g, conv2d(g, w, y, 192, 96, 3));
  y = conv2d(g, w, y, 96, 96, 3);
  const camBias = g.reshape(linear(g, w, camera, 25, 96), [1, 96, 1, 1]);
  y = g.add(y, camBias);
  g.output(g.reshape(y, [1, 3, C, R, R]), LIFT_IO.outputs.triplane, DataType.float, [1, 3, C, R, R]);
  const bytes = g.toModelBytes({
    producer: 'holocall-inference',
    doc: `${UNTRAINED_DOC} Lift stage: Lp3D-like encoder (approximate architecture).`,
    metadata: meta('lift'),
  });
  return { name: 'lift.untrained', bytes, weightBytes: g.weightBytes };
}
