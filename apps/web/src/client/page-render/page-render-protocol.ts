import type { RenderedFrameHeader, ViewSpec } from '@holocall/protocol';

/** Messages between the page and its renderer worker (page-render.worker.ts). */
export type PageRenderRequest =
  /** Folders as the app serves them (absolute paths of the page's origin). */
  | { type: 'init'; segmentationModelPath: string; wasmPath: string }
  /** An enrolled photo as stored (PNG/JPEG bytes) and its landmarks (478 x 3, in a width x height image). */
  | { type: 'lift'; key: string; photo: ArrayBuffer; landmarks: Float32Array; width: number; height: number }
  | { type: 'forget'; key: string }
  /** One driver frame as it came from the SFU, for `peerId`'s avatar `key`, drawn for `view`. */
  | { type: 'frame'; peerId: string; key: string; frame: Uint8Array; view: ViewSpec }
  | { type: 'drop-peer'; peerId: string }
  /** The enrollment preview: lift `key` from the photo unless lifted already, then a turntable of it. */
  | {
      type: 'preview';
      requestId: string;
      key: string;
      photo: ArrayBuffer;
      landmarks: Float32Array;
      width: number;
      height: number;
      views: number;
      maxYawDeg: number;
      tileSize: number;
    };

export type PageRenderReply =
  | { type: 'ready'; backend: string; sharedMemory: boolean; loadMs: number }
  | { type: 'init-failed'; message: string }
  | { type: 'lift-progress'; key: string; stage: string; fraction: number }
  | { type: 'lifted'; key: string; ms: number }
  | { type: 'lift-failed'; key: string; code: string; message: string }
  | {
      type: 'image';
      peerId: string;
      seq: number;
      captureTimeMs: number;
      renderMs: number;
      quality: RenderedFrameHeader['quality'];
      /** The view's layout: 1 x 1 for flat, 2 x 1 for stereo. */
      cols: number;
      rows: number;
      width: number;
      height: number;
      /** RGBA8, width * height * 4 (transferred). */
      pixels: ArrayBuffer;
    }
  | { type: 'frame-failed'; peerId: string; code: string; message: string }
  | { type: 'preview-progress'; requestId: string; stage: string; fraction: number }
  | {
      type: 'preview-done';
      requestId: string;
      lifted: boolean;
      liftMs: number;
      /** The turntable sprite: `views` square tiles left to right, RGBA8 (transferred). */
      width: number;
      height: number;
      pixels: ArrayBuffer;
    }
  | { type: 'preview-failed'; requestId: string; code: string; message: string };
