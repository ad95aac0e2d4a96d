// How the views show the three points of a run (shared/markers.ts names them) and the path between
// them: colours, legend labels, view titles. Every list of the three is MARKERS, in its order.
import type { MarkerName } from '../../../shared/markers';

export const MARKER_COLORS: Record<MarkerName, string> = { init: '#f28e2b', trained: '#4e79a7', optimum: '#2ca02c' };
export const MARKER_LABELS: Record<MarkerName, string> = { init: 'Initialization', trained: 'Trained', optimum: 'Optimum' };
/** The title of a view of each point, and the option that picks it. */
export const MARKER_TITLES: Record<MarkerName, string> = { init: 'Random initialization', trained: 'After training', optimum: 'Global optimum' };
/** The optimizer's trajectory. */
export const TRAJECTORY_COLOR = '#e15759';
