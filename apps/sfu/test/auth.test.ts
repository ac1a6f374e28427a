import { ErrorCode, HolocallError } from '@holocall/protocol';
import { testSigningKey } from '@holocall/protocol/test-support/token-keys';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SfuHandle } from '../src/start-sfu';
import { ROOM_TOKEN_AUDIENCE, ROOM_TOKEN_ISSUER } from '../src/tokens/room-tokens';
import { SfuTestPeer } from './support/client/sfu-test-peer';
import { SignalingClient } from './support/client/signaling-client';
import { WeriftSendTransport } from './support/client/werift-send-transport';
import { ALL_GRANTS, fixtureKeys, joinedPeer, startTestSfu, tokenFor } from './support/sfu-fixture';

async function refusal(promise: Promise<unknown>): Promise<HolocallError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof HolocallError) return error;
    throw error;
  }
  throw new Error('expected the request to be refused');
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof HolocallError) return error.code;
    throw error;
  }
  throw new Error('expected the request to be refused');
}

describe('room tokens and grants at the SFU', () => {
  let sfu: SfuHandle;
  let client: SignalingClient;
  beforeAll(async () => {
    sfu = await startTestSfu();
    client = await SignalingClient.connect(sfu.url);
  });
  afterAll(async () => {
    client?.close();
    await sfu?.close();
  });

  it('refuses a join without a token', async () => {
    expect(await codeOf(client.request('join', { roomId: 'auth-room' }))).toBe(ErrorCode.Unauthenticated);
    expect(await codeOf(client.request('join', { roomId: 'auth-room', token: '' }))).toBe(ErrorCode.Unauthenticated);
  });

  it('refuses an expired token', async () => {
    const token = await tokenFor('auth-room', 'u1', { ttlSeconds: 60, issuedAt: Math.floor(Date.now() / 1000) - 3600 });
    expect(await refusal(client.request('join', { roomId: 'auth-room', token }))).toMatchObject({
      code: ErrorCode.TokenExpired,
      details: { reason: 'token_expired' },
    });
  });

  it('refuses forged tokens: another server, a tampered payload, alg none, HS256, garbage', async () => {
    const otherServer = await tokenFor('auth-room', 'u1', { key: await testSigningKey('another-server') });
    expect(await refusal(client.request('join', { roomId: 'auth-room', token: otherServer }))).toMatchObject({
      code: ErrorCode.Unauthenticated,
      details: { reason: 'token_unknown_key' },
    });
    // HS256 with the published public key as its secret (algorithm confusion).
    const { key } = await fixtureKeys();
    const now = Math.floor(Date.now() / 1000);
    const hs256 = await new SignJWT({ room: 'auth-room', avatar: 'a', grants: ALL_GRANTS })
      .setProtectedHeader({ alg: 'HS256', kid: key.kid })
      .setSubject('u1')
      .setIssuer(ROOM_TOKEN_ISSUER)
      .setAudience(ROOM_TOKEN_AUDIENCE)
      .setIssuedAt(now)
      .setExpirationTime(now + 60)
      .sign(new TextEncoder().encode(JSON.stringify(key.publicJwk)));
    expect(await refusal(client.request('join', { roomId: 'auth-room', token: hs256 }))).toMatchObject({
      code: ErrorCode.Unauthenticated,
      details: { reason: 'token_wrong_algorithm' },
    });

    const [header, , signature] = (await tokenFor('auth-room', 'u1')).split('.');
    const forgedPayload = Buffer.from(
      JSON.stringify({
        sub: 'admin',
        room: 'auth-room',
        avatar: 'a',
        grants: ALL_GRANTS,
        iss: ROOM_TOKEN_ISSUER,
        aud: ROOM_TOKEN_AUDIENCE,
        iat: Math.floor(Date.now() / 1000),
        exp: Math.floor(Date.now() / 1000) + 600,
      }),
    ).toString('base64url');
    const tampered = `${header}.${forgedPayload}.${signature}`;
    expect(await codeOf(client.request('join', { roomId: 'auth-room', token: tampered }))).toBe(
      ErrorCode.Unauthenticated,
    );

    const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${forgedPayload}.`;
    expect(await codeOf(client.request('join', { roomId: 'auth-room', token: none }))).toBe(ErrorCode.Unauthenticated);
    expect(await codeOf(client.request('join', { roomId: 'auth-room', token: 'not.a.jwt' }))).toBe(
      ErrorCode.Unauthenticated,
    );
  });

  it('refuses a well-signed token whose claims do not match the schema', async () => {
    const now = Math.floor(Date.now() / 1000);
    const { key } = await fixtureKeys();
    const token = await new SignJWT({ room: 'auth-room', avatar: 'a', grants: { subscribe: 'yes' } })
      .setProtectedHeader({ alg: 'ES256', kid: key.kid })
      .setSubject('u1')
      .setIssuer(ROOM_TOKEN_ISSUER)
      .setAudience(ROOM_TOKEN_AUDIENCE)
      .setIssuedAt(now)
      .setExpirationTime(now + 60)
      .sign(key.privateKey);
    expect(await codeOf(client.request('join', { roomId: 'auth-room', token }))).toBe(ErrorCode.Unauthenticated);
  });

  it('refuses a token for another room', async () => {
    const token = await tokenFor('other-room', 'u1');
    expect(await codeOf(client.request('join', { roomId: 'auth-room', token }))).toBe(ErrorCode.Forbidden);
  });

  it('refuses every room action before a join', async () => {
    expect(await codeOf(client.request('createWebRtcTransport', { direction: 'send' }))).toBe(
      ErrorCode.Unauthenticated,
    );
    expect(await codeOf(client.request('getRouterRtpCapabilities', {}))).toBe(ErrorCode.Unauthenticated);
    expect(await codeOf(client.request('leave', {}))).toBe(ErrorCode.Unauthenticated);
  });

  it('refuses actions beyond the grants, and leaves the peer able to do what it may', async () => {
    const listener = await joinedPeer(sfu, 'grants-room', 'listener', {
      publishAudio: false,
      publishDriverFrames: false,
      publishVideo: false,
      subscribe: true,
    });
    const talker = await joinedPeer(sfu, 'grants-room', 'talker', { publishVideo: false, subscribe: false });
    try {
      // A listener may not publish anything: not even a send transport.
      expect(await codeOf(listener.signaling.request('createWebRtcTransport', { direction: 'send' }))).toBe(
        ErrorCode.Forbidden,
      );
      // A talker without subscribe may not receive.
      expect(await codeOf(talker.signaling.request('createWebRtcTransport', { direction: 'recv' }))).toBe(
        ErrorCode.Forbidden,
      );
      // A talker without publishVideo may publish audio and frames but no crop video.
      const send = await WeriftSendTransport.create(talker.signaling);
      try {
        expect(await codeOf(send.produce('video'))).toBe(ErrorCode.Forbidden);
        await send.produceDriverFrames();
        await send.produce('audio');
      } finally {
        await send.close();
      }
      // And consuming needs subscribe even with a transport id in hand.
      expect(await codeOf(talker.signaling.request('consumeData', { transportId: send.id, dataProducerId: 'x' }))).toBe(
        ErrorCode.Forbidden,
      );
      const notice = await listener.signaling.waitFor('newDataProducer');
      expect(notice.dataProducer.owner.userId).toBe('talker');
    } finally {
      await Promise.all([listener.close(), talker.close()]);
    }
  });

  it('lets nobody claim another identity or touch another peer’s transports', async () => {
    const mallory = await joinedPeer(sfu, 'identity-room', 'mallory');
    const victim = await joinedPeer(sfu, 'identity-room', 'victim');
    try {
      const send = await WeriftSendTransport.create(victim.signaling);
      // appData is not part of the protocol: a claimed owner is refused outright.
      await expect(
        mallory.signaling.raw({
          type: 'produceData',
          transportId: send.id,
          label: 'driver-frames',
          sctpStreamParameters: { streamId: 0, ordered: false, maxRetransmits: 0 },
          appData: { userId: 'victim', avatarId: 'avatar-victim' },
        }),
      ).rejects.toMatchObject({ code: ErrorCode.BadRequest });
      // Another peer's transport id is unknown to mallory.
      expect(
        await codeOf(
          mallory.signaling.request('produceData', {
            transportId: send.id,
            label: 'driver-frames',
            sctpStreamParameters: { streamId: 0, ordered: false, maxRetransmits: 0 },
          }),
        ),
      ).toBe(ErrorCode.NotFound);
      await send.close();
    } finally {
      await Promise.all([mallory.close(), victim.close()]);
    }
  });

  it('keeps the socket usable after refusals: a good token still joins', async () => {
    const peer = await SfuTestPeer.connect(sfu.url);
    try {
      expect(await codeOf(peer.signaling.request('join', { roomId: 'auth-room', token: 'x' }))).toBe(
        ErrorCode.Unauthenticated,
      );
      const joined = await peer.join('auth-room', await tokenFor('auth-room', 'late'));
      expect(joined.self.userId).toBe('late');
      expect(joined.grants).toEqual(ALL_GRANTS);
    } finally {
      await peer.close();
    }
  });
});
