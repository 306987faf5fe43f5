import { useSyncExternalStore } from 'react';

/**
 * "The list's first rows are on screen": the parts of the page an agent does not need to see them
 * (the filter selects, the language picker, availability, the sidebar's switches: Mantine widgets
 * with positioning and resize observers) render right after that paint instead of before it, so
 * the first paint of the list carries only the list. Pages without the list open the gate after
 * their own first paint.
 */
let painted = false;
const listeners = new Set<() => void>();

/** Opens the gate after the next paint (a frame, then a task: the browser has painted by then). */
export function markFirstPaint(): void {
  if (painted) return;
  requestAnimationFrame(() =>
    setTimeout(() => {
      painted = true;
      for (const fn of [...listeners]) fn();
    }, 0),
  );
}

function subscribe(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** True once the first rows (or the page) have painted. */
export function useFirstPaintDone(): boolean {
  return useSyncExternalStore(
    subscribe,
    () => painted,
    () => painted,
  );
}
