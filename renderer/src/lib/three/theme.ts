// The page's colours, so canvases match the light or dark theme (no three.js here: the 2D view uses it).

export interface Theme {
  background: string;
  foreground: string;
}

/** The text colour of `el` and the first opaque background behind it. */
export function readTheme(el: HTMLElement): Theme {
  const foreground = getComputedStyle(el).color || '#222';
  for (let node: HTMLElement | null = el; node; node = node.parentElement) {
    const bg = getComputedStyle(node).backgroundColor;
    if (bg && bg !== 'transparent' && !/rgba\(.*,\s*0\)$/.test(bg)) return { background: bg, foreground };
  }
  const dark = globalThis.matchMedia?.('(prefers-color-scheme: dark)').matches;
  return { background: dark ? '#1b1b1f' : '#ffffff', foreground };
}
