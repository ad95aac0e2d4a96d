// The three points every view shows: the random initialization, the trained network and the global
// optimum. The one definition of their names, for main, the renderer and the file formats.
export const MARKERS = ['init', 'trained', 'optimum'] as const;
export type MarkerName = (typeof MARKERS)[number];

export function isMarker(value: unknown): value is MarkerName {
  return typeof value === 'string' && (MARKERS as readonly string[]).includes(value);
}
