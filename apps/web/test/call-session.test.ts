import { DRIVER_DATA_LABEL, type SignalingNotification } from '@holocall/protocol';
import { RetryPolicy } from '@holocall/service/retry';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { JoinRoomResponse } from '../src/client/api';
import { CallSession, ICE_RESTART_DEADLINE_MS } from '../src/client/call/call-session';
import { REJOIN_POLICY } from '../src/client/retry-policies';
import { FakeDevice, FakeSignaling, resetFakes } from './support/fake-call-sfu';

vi.mock('mediasoup-client', async () => ({ Device: (await import('./support/fake-call-sfu')).FakeDevice }));
vi.mock('../src/client/call/signaling', async () => ({
  SignalingClient: (await import('./support/fake-call-sfu')).FakeSignaling,
}));

let tokens = 0;
function joinResponse(): JoinRoomResponse {
  tokens++;
  return { roomId: 'room-1', roomToken: `room-token-${tokens}`, sfu: { url: 'http://sfu.test' } } as JoinRoomResponse;
}

/** A session that has joined once, with a quick policy: retries after 100 ms, `maxAttempts` of them. */
async function joinedSession(rejoin: () => Promise<JoinRoomResponse>, maxAttempts = 3) {
  const rejoinSpy = vi.fn(rejoin);
  const session = new CallSession({
    join: joinResponse(),
    rejoin: rejoinSpy,
    audioTrack: null,
    onChange: () => {},
    onFrame: () => {},
    retryPolicy: new RetryPolicy({ delaysMs: [100], maxAttempts }),
  });
  await session.start();
  const signaling = FakeSignaling.instances.at(-1) as FakeSignaling;
  signaling.socket.serverConnect();
  await vi.waitFor(() => expect(session.state).toBe('connected'));
  for (const t of FakeDevice.current) t.setState('connected');
  return { session, signaling, rejoin: rejoinSpy };
}

const sfu = () => FakeSignaling.sfu;
const WORKER_DIED: SignalingNotification = {
  type: 'rejoinRequired',
  error: { code: 'worker_died', message: 'the media worker died: join again' },
};

describe('a call that lost the SFU is retried on the policy', () => {
  beforeEach(() => {
    resetFakes();
    vi.useFakeTimers();
  });
  afterEach(() => vi.useRealTimers());

  it('one failed rejoin after a worker death shows reconnecting and is tried again, not failed for good', async () => {
    let calls = 0;
    const { session, signaling, rejoin } = await joinedSession(async () => {
      calls++;
      if (calls === 1) throw new Error('the web app did not answer');
      return joinResponse();
    });
    signaling.notify(WORKER_DIED);
    await vi.advanceTimersByTimeAsync(0);
    expect(session.state).toBe('reconnecting');
    expect(session.recovery).toMatchObject({ attempt: 1, maxAttempts: 3, lastError: 'the web app did not answer' });

    await vi.advanceTimersByTimeAsync(100);
    expect(session.state).toBe('connected');
    expect(rejoin).toHaveBeenCalledTimes(2);
    expect(session.recovery).toBeNull();
    // The second join went to the SFU with the fresh token.
    expect(
      sfu()
        .requests.filter((r) => r.type === 'join')
        .at(-1)?.body.token,
    ).toBe(`room-token-${tokens}`);
    session.close();
  });

  it('a join the SFU refuses once (its worker restarting) is retried too', async () => {
    const { session, signaling } = await joinedSession(async () => joinResponse());
    sfu().fail('join', Object.assign(new Error('worker died'), { wire: { code: 'worker_died' } }));
    signaling.notify(WORKER_DIED);
    await vi.advanceTimersByTimeAsync(0);
    expect(session.state).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(100);
    expect(session.state).toBe('connected');
    expect(sfu().count('join')).toBe(3);
    session.close();
  });

  it('is failed only when the policy gives up, and Retry starts over', async () => {
    let up = false;
    const { session, signaling, rejoin } = await joinedSession(async () => {
      if (!up) throw new Error('the web app did not answer');
      return joinResponse();
    }, 2);
    signaling.notify(WORKER_DIED);
    await vi.advanceTimersByTimeAsync(0);
    await vi.advanceTimersByTimeAsync(100);
    expect(session.state).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(100);
    expect(rejoin).toHaveBeenCalledTimes(3);
    expect(session.state).toBe('failed');
    expect(session.error).toBe('the web app did not answer');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(rejoin).toHaveBeenCalledTimes(3);

    up = true;
    session.retry();
    expect(session.state).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(0);
    expect(session.state).toBe('connected');
    session.close();
  });

  it('a final answer (not allowed in the room) fails at once', async () => {
    const { session, signaling, rejoin } = await joinedSession(async () => {
      throw Object.assign(new Error('not a member of this room'), { code: 'forbidden' });
    });
    signaling.notify(WORKER_DIED);
    await vi.advanceTimersByTimeAsync(1000);
    expect(session.state).toBe('failed');
    expect(rejoin).toHaveBeenCalledTimes(1);
    session.close();
  });

  it('a failed transport gets an ICE restart first (no rejoin), and is connected again when ICE is back', async () => {
    const { session, rejoin } = await joinedSession(async () => joinResponse());
    const [send, recv] = FakeDevice.current;
    send!.setState('failed');
    await vi.advanceTimersByTimeAsync(0);
    expect(session.state).toBe('reconnecting');
    expect(
      sfu()
        .requests.filter((r) => r.type === 'restartIce')
        .map((r) => r.body.transportId),
    ).toEqual([send!.id]);
    expect(send!.iceRestarts).toHaveLength(1);
    expect(recv!.iceRestarts).toHaveLength(0);
    send!.setState('connected');
    expect(session.state).toBe('connected');
    await vi.advanceTimersByTimeAsync(ICE_RESTART_DEADLINE_MS * 2);
    expect(rejoin).not.toHaveBeenCalled();
    expect(session.state).toBe('connected');
    session.close();
  });

  it('an ICE restart the SFU refuses is followed by a full rejoin', async () => {
    const { session, rejoin } = await joinedSession(async () => joinResponse());
    sfu().fail('restartIce', Object.assign(new Error('no such transport'), { wire: { code: 'worker_died' } }));
    FakeDevice.current[0]!.setState('failed');
    await vi.advanceTimersByTimeAsync(0);
    expect(session.state).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(100);
    expect(rejoin).toHaveBeenCalledTimes(1);
    expect(session.state).toBe('connected');
    expect(FakeDevice.transports).toHaveLength(4);
    session.close();
  });

  it('an ICE restart that does not reconnect in time is followed by a full rejoin', async () => {
    const { session, rejoin } = await joinedSession(async () => joinResponse());
    FakeDevice.current[1]!.setState('disconnected');
    await vi.advanceTimersByTimeAsync(ICE_RESTART_DEADLINE_MS - 1);
    expect(rejoin).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1 + 100);
    expect(rejoin).toHaveBeenCalledTimes(1);
    expect(session.state).toBe('connected');
    session.close();
  });

  it('spends no try while the signaling socket is down; its reconnect rejoins', async () => {
    const { session, signaling, rejoin } = await joinedSession(async () => joinResponse(), 1);
    signaling.socket.serverDisconnect();
    expect(session.state).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(rejoin).not.toHaveBeenCalled();
    signaling.socket.serverConnect();
    await vi.advanceTimersByTimeAsync(0);
    expect(rejoin).toHaveBeenCalledTimes(1);
    expect(session.state).toBe('connected');
    session.close();
  });

  it('a peer who rejoins at the same moment (announced before our receive transport exists) is consumed', async () => {
    vi.stubGlobal('MediaStream', class {});
    const { session, signaling } = await joinedSession(async () => joinResponse());
    const grace = { peerId: 'grace-2', userId: 'u_grace', avatarId: 'a_grace', displayName: 'Grace' };
    sfu().owners.set('grace-mic', grace);
    sfu().owners.set('grace-frames', grace);
    // Both were told to rejoin; Grace's producers are announced while we are still making transports.
    sfu().onNext('createWebRtcTransport', () => {
      signaling.notify({ type: 'peerJoined', peer: grace });
      signaling.notify({
        type: 'newProducer',
        producer: { producerId: 'grace-mic', kind: 'audio', source: 'mic', owner: grace },
      });
      signaling.notify({
        type: 'newDataProducer',
        dataProducer: { dataProducerId: 'grace-frames', label: DRIVER_DATA_LABEL, owner: grace },
      });
    });
    signaling.notify(WORKER_DIED);
    await vi.advanceTimersByTimeAsync(0);
    expect(session.state).toBe('connected');
    const recv = FakeDevice.current[1]!;
    expect(recv.direction).toBe('recv');
    expect(recv.consumed.sort()).toEqual(['grace-frames', 'grace-mic']);
    expect([...session.peers.keys()]).toEqual(['grace-2']);
    session.close();
    vi.unstubAllGlobals();
  });

  it('REJOIN_POLICY gives up (the call can end failed, with a Retry button)', () => {
    expect(Number.isFinite(REJOIN_POLICY.maxAttempts)).toBe(true);
    expect(REJOIN_POLICY.nextDelay(REJOIN_POLICY.maxAttempts)).toBeNull();
  });
});

describe('a first join that fails', () => {
  beforeEach(() => {
    resetFakes();
    vi.useFakeTimers();
  });
  afterEach(() => vi.useRealTimers());

  it('stays connecting with the reason and is tried again with a fresh token', async () => {
    const rejoin = vi.fn(async () => joinResponse());
    const session = new CallSession({
      join: joinResponse(),
      rejoin,
      audioTrack: null,
      onChange: () => {},
      onFrame: () => {},
      retryPolicy: new RetryPolicy({ delaysMs: [100], maxAttempts: 3 }),
    });
    await session.start();
    sfu().fail('join', Object.assign(new Error('room is being rebuilt'), { wire: { code: 'worker_died' } }));
    (FakeSignaling.instances.at(-1) as FakeSignaling).socket.serverConnect();
    await vi.advanceTimersByTimeAsync(0);
    expect(session.state).toBe('connecting');
    expect(session.error).toBe('room is being rebuilt');
    await vi.advanceTimersByTimeAsync(100);
    expect(session.state).toBe('connected');
    expect(rejoin).toHaveBeenCalledTimes(1);
    session.close();
  });
});
