// Which process owns a running experiment (a sweep's lease), and whether it is still alive. A pid
// alone is not enough: after a crash the pid can be reused by an unrelated process, which would then
// pass for the owner forever. So an owner is its pid, its host and its process start time — on Linux
// the boot id and /proc/PID/stat's start time; elsewhere unknown (null), and the pid alone decides.
import { hostname } from 'node:os';
import { FILE_LIMITS, readInputFile } from '../platform/files.js';

export interface Owner {
  pid: number;
  host: string;
  started: string | null;
}

/** What the lease columns of an experiment hold (all null when nobody owns it). */
export interface Lease {
  owner_pid: number | null;
  owner_host: string | null;
  owner_started: string | null;
}

function processState(pid: number): { started: string; zombie: boolean } | null {
  try {
    const stat = readInputFile(`/proc/${pid}/stat`, FILE_LIMITS.processStat, 'a process status file').toString('utf8');
    // The command name (field 2) may hold spaces and parentheses: fields are counted after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const boot = readInputFile('/proc/sys/kernel/random/boot_id', FILE_LIMITS.bootId, 'the boot id').toString('utf8').trim();
    return { started: `${boot}:${fields[19]}`, zombie: fields[0] === 'Z' };
  } catch {
    return null;
  }
}

let self: Owner | undefined;

/** This process, as it is recorded in a lease. */
export function currentOwner(): Owner {
  self ??= { pid: process.pid, host: hostname(), started: processState(process.pid)?.started ?? null };
  return self;
}

/**
 * Whether the lease's owner still runs. An owner on another host cannot be checked, so it counts as
 * alive (its sweep is left alone); an empty lease has no owner.
 */
export function ownerAlive(lease: Lease): boolean {
  if (lease.owner_pid === null) return false;
  if (lease.owner_host !== null && lease.owner_host !== currentOwner().host) return true;
  try {
    process.kill(lease.owner_pid, 0);
  } catch (e) {
    // EPERM: the process exists but belongs to another user.
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const state = processState(lease.owner_pid);
  if (state === null) return true;
  return !state.zombie && (lease.owner_started === null || state.started === lease.owner_started);
}
