import type { Logger } from '../log';
import type { PreparedTriplane, RenderStage, SourceFace } from '../stages/contract';
import type { Triplane } from '../triplane/layout';

/**
 * Source tri-planes and source faces by avatar content hash, prepared for the render stage,
 * bounded by bytes: least recently used avatars are evicted first (a peer whose avatar was
 * evicted gets not_found on its next frame and registers again). Several peers may share one
 * avatar. Byte counts cover the tri-plane, the stage's prepared data and the source face.
 */
export interface AvatarEntry {
  readonly hash: string;
  readonly triplane: Triplane;
  readonly sourceFace: SourceFace;
  readonly prepared: PreparedTriplane;
  readonly bytes: number;
  readonly createdAt: number;
  lastUsed: number;
}

export interface AvatarCacheStats {
  entries: number;
  bytes: number;
  maxBytes: number;
  hits: number;
  misses: number;
  evictions: number;
  /** Average bytes per cached avatar (what one sender costs). */
  bytesPerAvatar: number;
}

function sourceFaceBytes(f: SourceFace): number {
  return (
    (f.camera?.byteLength ?? 0) +
    (f.landmarks?.byteLength ?? 0) +
    (f.neutralCode?.byteLength ?? 0) +
    (f.frontalImage?.rgb.byteLength ?? 0) +
    (f.photo?.data.byteLength ?? 0)
  );
}

export class AvatarCache {
  private readonly entries = new Map<string, AvatarEntry>();
  private bytes = 0;
  private hits = 0;
  private misses = 0;
  private evictions = 0;
  private clock = 0;

  constructor(
    private readonly stage: RenderStage,
    readonly maxBytes: number,
    private readonly log: Logger,
    /** Called when an avatar leaves the cache (to tell peers that use it). */
    private readonly onEvict: (hash: string) => void = () => {},
  ) {}

  get(hash: string): AvatarEntry | undefined {
    const e = this.entries.get(hash);
    if (e) {
      this.hits++;
      e.lastUsed = ++this.clock;
    } else this.misses++;
    return e;
  }

  /** The entry without counting a hit or touching its recency (checks, stats). */
  peek(hash: string): AvatarEntry | undefined {
    return this.entries.get(hash);
  }

  has(hash: string): boolean {
    return this.entries.has(hash);
  }

  async put(hash: string, triplane: Triplane, sourceFace: SourceFace): Promise<AvatarEntry> {
    const existing = this.entries.get(hash);
    if (existing) this.remove(hash, 'replaced');
    const prepared = await this.stage.prepare(triplane, sourceFace);
    const bytes = triplane.data.byteLength + prepared.bytes + sourceFaceBytes(sourceFace);
    const entry: AvatarEntry = {
      hash,
      triplane,
      sourceFace,
      prepared,
      bytes,
      createdAt: Date.now(),
      lastUsed: ++this.clock,
    };
    this.entries.set(hash, entry);
    this.bytes += bytes;
    this.evictOver(hash);
    return entry;
  }

  remove(hash: string, why: string): void {
    const e = this.entries.get(hash);
    if (!e) return;
    this.entries.delete(hash);
    this.bytes -= e.bytes;
    this.stage.release(e.prepared);
    this.log.debug('avatar removed', { avatar: hash.slice(0, 12), why });
  }

  private evictOver(keep: string): void {
    while (this.bytes > this.maxBytes && this.entries.size > 1) {
      let oldest: AvatarEntry | null = null;
      for (const e of this.entries.values()) {
        if (e.hash !== keep && (!oldest || e.lastUsed < oldest.lastUsed)) oldest = e;
      }
      if (!oldest) break;
      this.evictions++;
      this.remove(oldest.hash, 'evicted');
      this.log.info('avatar evicted (cache over budget)', {
        avatar: oldest.hash.slice(0, 12),
        bytes: this.bytes,
        maxBytes: this.maxBytes,
      });
      this.onEvict(oldest.hash);
    }
  }

  stats(): AvatarCacheStats {
    return {
      entries: this.entries.size,
      bytes: this.bytes,
      maxBytes: this.maxBytes,
      hits: this.hits,
      misses: this.misses,
      evictions: this.evictions,
      bytesPerAvatar: this.entries.size === 0 ? 0 : Math.round(this.bytes / this.entries.size),
    };
  }

  clear(): void {
    for (const hash of [...this.entries.keys()]) this.remove(hash, 'cleared');
  }
}
