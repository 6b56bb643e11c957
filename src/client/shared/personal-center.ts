/**
 * Opening the personal-center item "Two-factor authentication" from anywhere in the app (the
 * pointer our types show in plugin-verification's Verification page): the item listens, the
 * pointer asks.
 */
const listeners = new Set<() => void>();

/** Opens the drawer; false when no item is there to open it. */
export function openPersonalCenter(): boolean {
  listeners.forEach((listener) => listener());
  return listeners.size > 0;
}

/** The item's side: called when asked to open; returns the unsubscribe function. */
export function onOpenPersonalCenter(listener: () => void): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}
