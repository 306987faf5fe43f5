// The optional chime for a new customer message for me: off until the user turns it on; the
// choice is kept per user in this browser (localStorage), like the notification permission.

const key = (userId: string) => `switchboard.sound.${userId}`;

export function soundOn(userId: string): boolean {
  try {
    return localStorage.getItem(key(userId)) === 'on';
  } catch {
    return false;
  }
}

export function setSound(userId: string, on: boolean): void {
  try {
    if (on) localStorage.setItem(key(userId), 'on');
    else localStorage.removeItem(key(userId));
  } catch {
    // storage disabled: the toggle lasts for this page only
  }
}

let ctx: AudioContext | null = null;

/** A short two-tone chime made with Web Audio (no sound file to download). */
export function playChime(): void {
  try {
    ctx ??= new AudioContext();
    const t0 = ctx.currentTime;
    for (const [i, freq] of [880, 1320].entries()) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, t0 + i * 0.12);
      gain.gain.exponentialRampToValueAtTime(0.2, t0 + i * 0.12 + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, t0 + i * 0.12 + 0.25);
      osc.connect(gain).connect(ctx.destination);
      osc.start(t0 + i * 0.12);
      osc.stop(t0 + i * 0.12 + 0.3);
    }
  } catch {
    // no audio output: nothing to do
  }
}
