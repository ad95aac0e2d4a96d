// Memory budgets, decided before any work. How many runs train together: a batch of runs holds each run's parameters several times over
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

/**
 * What one stored run or surface may hold of arrays: one record of an export, which an import holds
 * whole while it writes its row (main/store/exchangeLines.ts). A config whose runs or surfaces could
 * not fit is refused before training, so that every export imports.
 */
export const MAX_RECORD_BYTES = 64 * 2 ** 20;
/** A surface's largest arrays besides its directions: the 512² loss grid (f64) and its trajectory. */
const SURFACE_ROOM = 4 * 2 ** 20;

/** The bytes of a run's data in its record: x [n][dIn] and y [n], f32. */
export function dataRecordBytes(data: { n: number; dIn: number }): number {
  return 4 * data.n * (data.dIn + 1);
}

/**
 * Snapshots a run of `P` parameters keeps within its record, besides its final parameters: the rest
 * holds init, final and an optimum (f32), `recorded` losses (u32 step, f64 value) and its data.
 */
export function snapshotsWithinRecord(P: number, recorded: number, dataBytes: number): number {
  return Math.floor((MAX_RECORD_BYTES - 4 * 3 * P - 12 * recorded - dataBytes) / (4 * P)) - 1;
}

/** A surface's record: its centre (f32) and two directions (f64), with its grid and trajectory. */
function surfaceRecordBytes(P: number): number {
  return 20 * P + SURFACE_ROOM;
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/**
 * Refuses, naming the field, a network or recording whose runs (two snapshots at least) or surfaces
 * would not fit in a record. `recorded`: the most losses a run of it records.
 */
export function recordProblem(P: number, recorded: number, dataBytes: number): { field: string; message: string } | null {
  const largest = Math.min(Math.floor((MAX_RECORD_BYTES - SURFACE_ROOM) / 20), Math.floor((MAX_RECORD_BYTES - dataBytes) / 24) - 1);
  if (surfaceRecordBytes(P) > MAX_RECORD_BYTES || snapshotsWithinRecord(P, 0, dataBytes) < 2) {
    const run = 4 * 6 * P + dataBytes;
    return {
      field: 'model.hidden',
      message: `this network has ${P.toLocaleString('en-US')} parameters: a stored run keeps them at least six times (${mib(run)}) and a surface five times, and either must fit in ${mib(MAX_RECORD_BYTES)} (one record of an export); use at most ${largest.toLocaleString('en-US')} parameters (fewer or narrower layers)`,
    };
  }
  if (snapshotsWithinRecord(P, recorded, dataBytes) < 2) {
    return {
      field: 'record.every',
      message: `a run would record ${recorded.toLocaleString('en-US')} losses (${mib(12 * recorded)}), which with its parameters do not fit in ${mib(MAX_RECORD_BYTES)} (one record of an export); record less often`,
    };
  }
  return null;
}
