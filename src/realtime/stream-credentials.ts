import type { HeldCredential } from '../auth/credential-check.ts';
import type { Clock } from '../core/clock.ts';

/** STREAMS_PER_CREDENTIAL_MAX when unset: open streams per credential, per server process. */
export const DEFAULT_STREAMS_PER_CREDENTIAL = 20;
/** How often each credential with open streams is checked again: a revoked one closes them within about this. */
export const CREDENTIAL_CHECK_MS = 1_000;

interface Held {
  credential: HeldCredential;
  /** Each open stream's "your credential was revoked" callback (one wrapper per stream). */
  streams: Set<() => void>;
  checking: boolean;
}

export type Admission = { ok: true; release: () => void } | { ok: false; open: number };

/**
 * The open streams of this process, grouped by credential. One timer checks each credential once
 * per interval, however many streams share it (300 streams on one token used to make 300 queries
 * a second), and a credential holds at most `maxPerCredential` streams. A credential found no
 * longer valid ends all its streams. A check that fails (the database unreachable) keeps the
 * streams and is tried again next time; a check still running when the next one is due is not
 * doubled.
 */
export class StreamCredentials {
  /** Credential checks made so far (one database round trip each for a token or a session): for tests and measurement. */
  checksMade = 0;
  /** Timer rounds so far. */
  rounds = 0;
  private readonly held = new Map<string, Held>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly opts: {
      clock: Clock;
      maxPerCredential: number;
      intervalMs?: number;
      onCheckError?: (err: unknown) => void;
    },
  ) {}

  /**
   * Counts a new stream against its credential, or refuses it when the credential already holds
   * `maxPerCredential`. `revoked` is called (once) when the credential is found invalid; call
   * `release` when the stream ends for any reason.
   */
  admit(credential: HeldCredential, revoked: () => void): Admission {
    let entry = this.held.get(credential.key);
    if (entry && entry.streams.size >= this.opts.maxPerCredential) return { ok: false, open: entry.streams.size };
    if (!entry) {
      entry = { credential, streams: new Set(), checking: false };
      this.held.set(credential.key, entry);
    }
    const held = entry;
    const slot = () => revoked();
    held.streams.add(slot);
    this.timer ??= setInterval(() => this.round(), this.opts.intervalMs ?? CREDENTIAL_CHECK_MS);
    return {
      ok: true,
      release: () => {
        held.streams.delete(slot);
        if (held.streams.size === 0 && this.held.get(credential.key) === held) this.held.delete(credential.key);
        this.stopWhenIdle();
      },
    };
  }

  /** Streams open on a credential (by its key). */
  openFor(key: string): number {
    return this.held.get(key)?.streams.size ?? 0;
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.held.clear();
  }

  private round(): void {
    this.rounds++;
    const now = this.opts.clock.now();
    for (const [key, held] of this.held) {
      if (held.checking) continue;
      held.checking = true;
      this.checksMade++;
      held.credential.stillValid(now).then(
        (ok) => {
          held.checking = false;
          if (ok) return;
          if (this.held.get(key) === held) this.held.delete(key);
          // Each callback ends its stream, which releases its slot: iterate over a copy.
          for (const revoked of [...held.streams]) revoked();
          held.streams.clear();
          this.stopWhenIdle();
        },
        (err: unknown) => {
          held.checking = false;
          this.opts.onCheckError?.(err);
        },
      );
    }
  }

  private stopWhenIdle(): void {
    if (this.held.size > 0 || this.timer === undefined) return;
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
