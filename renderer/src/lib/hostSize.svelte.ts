// What a canvas chart redraws on: the width of the element that holds it, and the OS's switches between
// light and dark. Read both in the effect that draws, and call follow(host) in onMount.
import { onThemeChange } from './theme';

export class HostSize {
  /** The host's width in whole CSS pixels (0 until it is laid out). */
  width = $state(0);
  /** Counts the theme switches: an effect that reads it draws again on each. */
  theme = $state(0);

  /** Starts following `host`; returns the stop. */
  follow(host: HTMLElement): () => void {
    const observer = new ResizeObserver(() => (this.width = Math.floor(host.clientWidth)));
    observer.observe(host);
    const unsubscribe = onThemeChange(() => this.theme++);
    return () => {
      observer.disconnect();
      unsubscribe();
    };
  }
}
