// The page's colours as canvases and three.js use them: the CSS variables of app.css (light and dark
// follow the OS) resolved to rgb(), the notice when the OS switches, and the palette of series colours.

/** Line colours, one place: Okabe–Ito, distinguishable by colour-blind readers, on light and dark. */
export const PALETTE = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#f0e442', '#999999'];

export function seriesColor(i: number): string {
  return PALETTE[i % PALETTE.length];
}

export interface Theme {
  fg: string;
  bg: string;
  muted: string;
  border: string;
  accent: string;
}

/** The page's colours where `el` is (it must be in the document), each resolved to an rgb() string. */
export function readTheme(el: Element): Theme {
  const probe = document.createElement('span');
  probe.style.display = 'none';
  el.appendChild(probe);
  const resolve = (css: string) => {
    probe.style.color = css;
    return getComputedStyle(probe).color;
  };
  const theme = {
    fg: resolve('var(--fg)'),
    bg: resolve('var(--bg)'),
    muted: resolve('var(--muted)'),
    border: resolve('var(--border)'),
    accent: resolve('var(--accent)'),
  };
  probe.remove();
  return theme;
}

/** Calls back when the system switches between light and dark; returns the unsubscribe. */
export function onThemeChange(callback: () => void): () => void {
  const query = matchMedia('(prefers-color-scheme: dark)');
  query.addEventListener('change', callback);
  return () => query.removeEventListener('change', callback);
}
