import type { ViewSpec } from '@holocall/protocol';
import { describe, expect, it } from 'vitest';
import type { EnrollmentSource, InferenceNode, InferenceStatus } from '../src/client/inference/inference-types';
import { pageViewFor } from '../src/client/page-render/page-renderer';
import { RendererChoice, type RendererKind } from '../src/client/page-render/renderer-choice';

/** An InferenceNode that records what it was asked. */
class RecordingNode implements InferenceNode {
  status: InferenceStatus = 'connecting';
  readonly peers = new Map<string, string>();
  readonly frames: string[] = [];
  views: ViewSpec[] = [];
  closed = false;
  registerPeer(peerId: string, avatarHash: string, _load: () => Promise<EnrollmentSource>): void {
    this.peers.set(peerId, avatarHash);
  }
  unregisterPeer(peerId: string): void {
    this.peers.delete(peerId);
  }
  setView(view: ViewSpec): void {
    this.views.push(view);
  }
  sendFrame(peerId: string, frame: Uint8Array): void {
    this.frames.push(`${peerId}:${frame[0]}`);
  }
  close(): void {
    this.closed = true;
  }
}

function choice() {
  const node = new RecordingNode();
  const pages: RecordingNode[] = [];
  const kinds: RendererKind[] = [];
  const c = new RendererChoice(
    node,
    () => {
      const page = new RecordingNode();
      pages.push(page);
      return page;
    },
    (k) => kinds.push(k),
  );
  return { c, node, pages, kinds };
}

const load = async (): Promise<EnrollmentSource> => ({
  avatarHash: 'a',
  photo: new Uint8Array(),
  width: 1,
  height: 1,
  landmarks: [],
});
const FLAT: ViewSpec = { kind: 'flat', width: 480, height: 480 };

describe('RendererChoice', () => {
  it('waits while the node is being looked for, then renders in the page with every peer and the view it knows', () => {
    const { c, node, pages, kinds } = choice();
    c.registerPeer('p1', 'hash-1', load);
    c.setView(FLAT);
    c.nodeStatus('connecting');
    c.sendFrame('p1', Uint8Array.of(1));
    expect(c.kind).toBe('none');
    expect(pages).toHaveLength(0);
    expect(node.frames).toEqual([]);

    c.nodeStatus('unavailable');
    expect(kinds).toEqual(['page']);
    expect(pages).toHaveLength(1);
    expect([...pages[0]!.peers]).toEqual([['p1', 'hash-1']]);
    expect(pages[0]!.views).toEqual([FLAT]);
    c.sendFrame('p1', Uint8Array.of(2));
    expect(pages[0]!.frames).toEqual(['p1:2']);
    expect(node.frames).toEqual([]);
    // The node hears every peer too, so it is ready to take over.
    expect([...node.peers]).toEqual([['p1', 'hash-1']]);
  });

  it('hands frames to a node that becomes ready and back to the same page renderer when it goes away', () => {
    const { c, node, pages, kinds } = choice();
    c.registerPeer('p1', 'hash-1', load);
    c.nodeStatus('unavailable');
    c.nodeStatus('ready');
    c.sendFrame('p1', Uint8Array.of(3));
    expect(node.frames).toEqual(['p1:3']);
    expect(pages[0]!.frames).toEqual([]);
    expect(pages[0]!.closed).toBe(false);

    c.registerPeer('p2', 'hash-2', load);
    c.nodeStatus('reconnecting');
    c.sendFrame('p2', Uint8Array.of(4));
    expect(pages).toHaveLength(1);
    expect(pages[0]!.frames).toEqual(['p2:4']);
    expect(kinds).toEqual(['page', 'node', 'page']);

    c.unregisterPeer('p1');
    expect(pages[0]!.peers.has('p1')).toBe(false);
    expect(node.peers.has('p1')).toBe(false);
    c.close();
    expect(node.closed && pages[0]!.closed).toBe(true);
  });

  it('never starts the page renderer while a node answers from the start', () => {
    const { c, pages, kinds } = choice();
    c.nodeStatus('ready');
    expect(kinds).toEqual(['node']);
    expect(pages).toHaveLength(0);
  });

  it('shows the photos once the page renderer could not start, also after the node is looked for again', () => {
    const { c, kinds } = choice();
    c.nodeStatus('unavailable');
    c.pageFailed();
    c.nodeStatus('connecting');
    c.nodeStatus('unavailable');
    c.sendFrame('p1', Uint8Array.of(5));
    expect(c.kind).toBe('none');
    expect(kinds).toEqual(['page', 'none']);
    c.nodeStatus('ready');
    expect(c.kind).toBe('node');
  });
});

describe('pageViewFor', () => {
  it('keeps flat and stereo views and draws a Looking Glass quilt as its centre view, flat', () => {
    expect(pageViewFor(FLAT)).toEqual(FLAT);
    const stereo: ViewSpec = { kind: 'quilt', cols: 2, rows: 1, viewConeDeg: 6, tileWidth: 480, tileHeight: 480 };
    expect(pageViewFor(stereo)).toEqual(stereo);
    const quilt: ViewSpec = { kind: 'quilt', cols: 8, rows: 6, viewConeDeg: 40, tileWidth: 420, tileHeight: 560 };
    expect(pageViewFor(quilt)).toEqual({ kind: 'flat', width: 420, height: 560 });
  });
});
