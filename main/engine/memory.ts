// How many runs train together: a batch of runs holds each run's parameters several times over
// (init, current, final, the optimizer's two moments, the gradient, at least two snapshots), so the
// widest networks train a few runs at a time. Runs are independent: grouping changes no number.

/** Memory one group of runs may hold. */
export const GROUP_BYTES = 256 * 2 ** 20;
/** What one run holds per parameter: eight f32 copies (see above). */
export const BYTES_PER_RUN_PARAM = 4 * 8;

/** Runs of `P` parameters that fit in one group (one at least). */
export function runsPerGroup(P: number): number {
  return Math.max(1, Math.floor(GROUP_BYTES / (Math.max(1, P) * BYTES_PER_RUN_PARAM)));
}
