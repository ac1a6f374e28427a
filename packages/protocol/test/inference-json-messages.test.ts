import { describe, expect, it } from 'vitest';
import {
  InferenceClientMessage,
  InferenceNodeMessage,
  MAX_PREVIEW_VIEWS,
  MAX_QUILT_VIEWS,
  MAX_RENDER_PIXELS,
  MAX_VIEW_SIDE,
} from '../src/index';

const hash = 'ab'.repeat(16);

describe('inference control messages', () => {
  it('accepts each valid message', () => {
    const valid = [
      { type: 'hello', protocolVersion: 1, token: 'x' },
      { type: 'register-sender', peerId: 'p1', avatarHash: hash, source: 'synthetic-head' },
      { type: 'unregister-sender', peerId: 'p1' },
      { type: 'set-view', view: { kind: 'flat', width: 512, height: 512 } },
      {
        type: 'set-view',
        peerId: 'p1',
        view: { kind: 'flat', width: 256, height: 256, camera: Array(25).fill(0), offset: { yaw: 0.1, pitch: -0.1 } },
      },
      { type: 'set-view', view: { kind: 'quilt', cols: 8, rows: 6, viewConeDeg: 40, tileWidth: 420, tileHeight: 560 } },
      { type: 'set-quality', level: 'auto', targetFps: 30 },
      { type: 'set-output', format: 'jpeg', jpegQuality: 80 },
      { type: 'get-stats' },
      { type: 'ping', nonce: 3 },
      { type: 'register-sender', peerId: 'p1', avatarHash: hash, source: 'enrollment' },
      { type: 'preview-avatar', requestId: 'r1', avatarHash: hash, views: 8 },
      {
        type: 'preview-avatar',
        requestId: 'r1',
        avatarHash: hash,
        views: MAX_PREVIEW_VIEWS,
        maxYawDeg: 30,
        pitchDeg: -5,
        tileSize: 256,
        format: 'jpeg',
      },
    ];
    for (const m of valid) expect(InferenceClientMessage.safeParse(m).success, JSON.stringify(m)).toBe(true);
  });

  it('refuses messages that cross a limit or carry unknown fields', () => {
    const invalid = [
      { type: 'hello', protocolVersion: 2, token: 'x' },
      { type: 'register-sender', peerId: 'p 1', avatarHash: hash, source: 'upload' },
      { type: 'register-sender', peerId: 'p1', avatarHash: 'XYZ', source: 'upload' },
      { type: 'set-view', view: { kind: 'flat', width: MAX_VIEW_SIDE + 1, height: 512 } },
      { type: 'set-view', view: { kind: 'flat', width: 512, height: 512, offset: { yaw: 1, pitch: 0 } } },
      { type: 'set-view', view: { kind: 'flat', width: 512, height: 512, camera: [1, 2] } },
      {
        type: 'set-view',
        view: { kind: 'quilt', cols: MAX_QUILT_VIEWS, rows: 2, viewConeDeg: 40, tileWidth: 64, tileHeight: 64 },
      },
      {
        type: 'set-view',
        view: { kind: 'quilt', cols: 10, rows: 10, viewConeDeg: 40, tileWidth: 512, tileHeight: 512 },
      },
      { type: 'set-quality', level: 'ultra' },
      { type: 'set-output', format: 'gif' },
      { type: 'get-stats', extra: 1 },
      { type: 'launch-missiles' },
      { type: 'register-sender', peerId: 'p1', avatarHash: hash, source: 'photo' },
      { type: 'preview-avatar', requestId: 'r1', avatarHash: hash, views: 0 },
      { type: 'preview-avatar', requestId: 'r1', avatarHash: hash, views: MAX_PREVIEW_VIEWS + 1 },
      { type: 'preview-avatar', requestId: 'r1', avatarHash: hash, views: 8, maxYawDeg: 61 },
      { type: 'preview-avatar', requestId: 'r1', avatarHash: hash, views: 8, tileSize: 4096 },
      { type: 'preview-avatar', requestId: 'r1', avatarHash: hash, views: 8, format: 'rgba' },
    ];
    for (const m of invalid) expect(InferenceClientMessage.safeParse(m).success, JSON.stringify(m)).toBe(false);
    expect(10 * 10 * 512 * 512).toBeGreaterThan(MAX_RENDER_PIXELS);
  });

  it('accepts the node messages of enrollment registration and previews', () => {
    const valid = [
      { type: 'registered', peerId: 'p1', avatarHash: hash, cacheHit: false, awaitingUpload: false, liftMs: 700 },
      { type: 'register-progress', peerId: 'p1', avatarHash: hash, stage: 'lift', fraction: 0.5 },
      { type: 'preview-started', requestId: 'r1', avatarHash: hash, cacheHit: false, awaitingImage: true },
      { type: 'preview-progress', requestId: 'r1', stage: 'render', fraction: 0.9 },
      {
        type: 'preview-done',
        requestId: 'r1',
        avatarHash: hash,
        views: 2,
        cols: 2,
        rows: 1,
        tileWidth: 64,
        tileHeight: 64,
        format: 'png',
        yawsDeg: [-30, 30],
        pitchDeg: 0,
        lifted: true,
        liftMs: 650,
        renderMs: 300,
      },
      {
        type: 'welcome',
        protocolVersion: 1,
        node: {
          renderer: 'cpu',
          executionProvider: 'cpu',
          reenact: 'reference-classical-reenact',
          untrained: false,
          threads: 2,
          backend: { id: 'reference-classical', label: 'Classical reference model', trained: false },
        },
        limits: { maxSenders: 1, maxRenderPixels: 1, maxBinaryBytes: 1 },
      },
    ];
    for (const m of valid) expect(InferenceNodeMessage.safeParse(m).success, JSON.stringify(m)).toBe(true);
    expect(
      InferenceNodeMessage.safeParse({
        type: 'register-progress',
        peerId: 'p1',
        avatarHash: hash,
        stage: 'lift',
        fraction: 2,
      }).success,
    ).toBe(false);
  });

  it('a welcome may say whether the node reaches its server, and an older welcome without it still parses', () => {
    const welcome = {
      type: 'welcome',
      protocolVersion: 1,
      node: { renderer: 'cpu', executionProvider: 'cpu', reenact: 'identity', untrained: false, threads: 0 },
      limits: { maxSenders: 1, maxRenderPixels: 1, maxBinaryBytes: 1 },
    };
    const server = { url: 'https://calls.example', reachable: false, detail: 'DNS: the name does not resolve' };
    expect(InferenceNodeMessage.safeParse(welcome).success).toBe(true);
    expect(InferenceNodeMessage.parse({ ...welcome, server })).toMatchObject({ server });
    expect(InferenceNodeMessage.safeParse({ ...welcome, server: { url: 'x', reachable: 'no' } }).success).toBe(false);
    expect(InferenceNodeMessage.safeParse({ ...welcome, server: { ...server, extra: 1 } }).success).toBe(false);
  });
});
