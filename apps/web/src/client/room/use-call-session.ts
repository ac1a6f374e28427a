import { TrackerClient, trackingOptions } from '@holocall/face/browser/tracker-client';
import { type RefObject, useEffect, useState } from 'react';
import { api, type JoinRoomResponse } from '../api';
import { CallSession } from '../call/call-session';
import type { CallStats } from '../call/call-stats';
import { DriverCapture } from '../call/driver-capture';
import type { ViewerOffset } from '../display/view-spec';
import { TRACKER_ASSETS } from '../face/tracker-assets';
import { connectInferenceNode } from '../inference/connect';
import type {
  InferenceNode,
  InferenceStatus,
  LiftRetry,
  NodeDescription,
  PeerSource,
  PeerSourceDetail,
  RenderedImage,
} from '../inference/inference-types';
import { PageRenderer, type PageRendererInfo } from '../page-render/page-renderer';
import { RendererChoice, type RendererKind } from '../page-render/renderer-choice';
import { keepPresence, sampleWireRates } from './call-upkeep';
import type { LobbyChoice } from './Lobby';
import type { PeerMediaStore } from './peer-media';
import { PeerRoster } from './peer-roster';

export type PeerSources = Record<string, { source: PeerSource; fraction?: number; lift?: LiftRetry }>;

export interface CallSessionState {
  session: CallSession | null;
  inferenceStatus: InferenceStatus;
  nodeInfo: NodeDescription | null;
  /** The sources of whoever renders now (the node's or the page's). */
  sources: PeerSources;
  /** Who draws the heads: the local node, the page itself (no node), or nobody (enrolled photos). */
  renderer: RendererKind;
  /** How the page renderer started, once it was needed (null before, or when it could not start). */
  pageInfo: PageRendererInfo | null;
  /** Why the page renderer could not start (people are then shown by their photos). */
  pageError: string | null;
  mediaError: string | null;
  /** The sender's neutral face is still being measured. */
  calibrating: boolean;
  /** The tracker has not found the sender's face for a second: others see the last expression. */
  faceLost: boolean;
  /** Why the face tracker did not start (no driver frames go out); null when it runs. */
  trackerError: string | null;
}

/** Refs the call view owns and reads outside React state (they must be stable: useRef); the hook fills them in. */
export interface CallSessionRefs {
  /** The self view: gets the camera stream, and is what the capture loop tracks. */
  selfVideo: RefObject<HTMLVideoElement | null>;
  /** Who renders: the local inference node, or the page's own renderer without one (set while the call is up). */
  inference: RefObject<InferenceNode | null>;
  /** The capture loop, once the camera and the call are up. */
  capture: RefObject<DriverCapture | null>;
  /** The sender's own head offset, for motion parallax (null while no face is tracked). */
  viewer: RefObject<ViewerOffset>;
}

/** Camera and microphone as the lobby chose them; null (and a message) when they are unavailable. */
async function openMedia(choice: LobbyChoice, onError: (message: string) => void): Promise<MediaStream | null> {
  try {
    return await navigator.mediaDevices.getUserMedia({
      video: choice.cameraId ? { deviceId: { exact: choice.cameraId } } : { width: 640, height: 480 },
      audio: choice.micId ? { deviceId: { exact: choice.micId } } : true,
    });
  } catch (e) {
    onError(`Camera or microphone unavailable (${(e as Error).message}); others will not see or hear you.`);
    return null;
  }
}

/**
 * Media, tracker, SFU session, inference node: set up once per call, torn down when the call
 * view goes. The steps, in order: connect the local inference node; open camera and microphone
 * and show the self view; join the SFU (the roster follows its peers); then, with a camera,
 * start the tracker and the driver-frame capture loop. Presence and wire-rate sampling run
 * alongside from the start.
 */
export function useCallSession({
  slug,
  join,
  choice,
  store,
  stats,
  rerender,
  selfVideo,
  inference,
  capture,
  viewer,
}: {
  slug: string;
  join: JoinRoomResponse;
  choice: LobbyChoice;
  store: PeerMediaStore;
  stats: CallStats;
  /** Called when the roster or a peer's state changed (they live in the session, not in React state). */
  rerender: () => void;
} & CallSessionRefs): CallSessionState {
  const [session, setSession] = useState<CallSession | null>(null);
  const [inferenceStatus, setInferenceStatus] = useState<InferenceStatus>('connecting');
  const [nodeInfo, setNodeInfo] = useState<NodeDescription | null>(null);
  const [sourcesBy, setSourcesBy] = useState<{ node: PeerSources; page: PeerSources }>({ node: {}, page: {} });
  const [renderer, setRenderer] = useState<RendererKind>('none');
  const [pageInfo, setPageInfo] = useState<PageRendererInfo | null>(null);
  const [pageError, setPageError] = useState<string | null>(null);
  const [mediaError, setMediaError] = useState<string | null>(null);
  const [calibrating, setCalibrating] = useState(true);
  const [faceLost, setFaceLost] = useState(false);
  const [trackerError, setTrackerError] = useState<string | null>(null);

  useEffect(() => {
    let closed = false;
    let stream: MediaStream | null = null;
    let tracker: TrackerClient | null = null;
    let call: CallSession | null = null;

    const sourceSetter =
      (from: 'node' | 'page') =>
      (peerId: string, source: PeerSource, { progress, lift }: PeerSourceDetail) =>
        setSourcesBy((all) => ({
          ...all,
          [from]: {
            ...all[from],
            [peerId]: { source, ...(progress ? { fraction: progress.fraction } : {}), ...(lift ? { lift } : {}) },
          },
        }));
    // Images count only from whoever renders now (both may briefly draw during a switch).
    const imageFrom = (from: RendererKind) => (image: RenderedImage) => {
      if (renderers?.kind !== from) return image.bitmap.close();
      store.setImage(image.peerId, image.bitmap, image.header);
      stats.frameRendered(image.header.captureTimeMs, image.header.layout);
    };
    let renderers: RendererChoice | null = null;
    // The join's token for the node lasts 4 h; a node (re)started after that gets a fresh one.
    const node = connectInferenceNode(
      { ...join.inference, refresh: () => api.inferenceToken() },
      {
        onStatus: (status, info) => {
          setInferenceStatus(status);
          setNodeInfo(info);
          renderers?.nodeStatus(status);
        },
        onImage: imageFrom('node'),
        onPeerSource: sourceSetter('node'),
      },
    );
    renderers = new RendererChoice(
      node,
      () =>
        new PageRenderer({
          onImage: imageFrom('page'),
          onPeerSource: sourceSetter('page'),
          onReady: (info, error) => {
            setPageInfo(info);
            setPageError(info ? null : (error ?? 'unknown error'));
            if (!info) renderers?.pageFailed();
          },
        }),
      setRenderer,
    );
    renderers.nodeStatus(node.status);
    inference.current = renderers;
    const roster = new PeerRoster(renderers, store);

    const startCapture = (video: HTMLVideoElement, session: CallSession) => {
      tracker = TrackerClient.spawn(trackingOptions('video', TRACKER_ASSETS));
      capture.current = new DriverCapture(video, tracker, {
        send: (bytes) => {
          if (session.sendDriverFrame(bytes)) stats.frameSent(bytes.byteLength);
        },
        onSample: (sample) => {
          viewer.current = sample ? { x: sample.pose.translation[0], y: sample.pose.translation[1] } : null;
          if (sample) setCalibrating(sample.calibrating);
        },
        onFaceLost: setFaceLost,
        onTrackerFailed: setTrackerError,
      });
      capture.current.start();
    };

    (async () => {
      stream = await openMedia(choice, setMediaError);
      if (closed) return;
      if (stream && selfVideo.current) {
        selfVideo.current.srcObject = stream;
        await selfVideo.current.play().catch(() => {});
      }
      call = new CallSession({
        join,
        rejoin: () => api.join(slug),
        audioTrack: stream?.getAudioTracks()[0] ?? null,
        onChange: () => {
          roster.sync(call?.peers.values() ?? []);
          rerender();
        },
        onFrame: (peerId, frame, bytes) => {
          stats.frameReceived(bytes.byteLength, frame.captureTimeMs);
          store.get(peerId).lastFrame = frame;
          renderers?.sendFrame(peerId, bytes);
        },
        log: (msg, fields) => console.debug('[call]', msg, fields ?? {}),
      });
      setSession(call);
      await call.start();
      // Torn down while joining: the cleanup has run, so nothing started now would be stopped.
      if (closed) return;
      if (stream?.getVideoTracks()[0] && selfVideo.current) startCapture(selfVideo.current, call);
    })();

    const stopPresence = keepPresence(slug);
    const stopSampling = sampleWireRates(() => call, stats);

    return () => {
      closed = true;
      stopPresence();
      stopSampling();
      capture.current?.stop();
      tracker?.close();
      call?.close();
      renderers?.close();
      for (const t of stream?.getTracks() ?? []) t.stop();
      store.clear();
    };
  }, [join, slug, choice, store, stats, rerender, selfVideo, inference, capture, viewer]);

  const sources = renderer === 'page' ? sourcesBy.page : sourcesBy.node;
  return {
    session,
    inferenceStatus,
    nodeInfo,
    sources,
    renderer,
    pageInfo,
    pageError,
    mediaError,
    calibrating,
    faceLost,
    trackerError,
  };
}
