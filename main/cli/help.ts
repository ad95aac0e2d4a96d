// `landscape-lab --help`: written from the zod-free lists, so that the help loads in milliseconds.
import { AXES_HELP } from '../../shared/axes.js';
import { BACKENDS, KERNELS, LIMITS } from '../../shared/configRules.js';
import { MARKERS } from '../../shared/markers.js';
import { defaultDatabasePath } from '../platform/paths.js';
import { APP_VERSION } from '../platform/version.js';

/** `landscape-lab --help`. */
export function helpText(): string {
  return `landscape-lab ${APP_VERSION} — train small networks and explore their cost surfaces (headless)

Usage:
  landscape-lab run <config.json> [--json] [--out FILE] [--kernel K] [--backend B] [--name N] [--no-save]
  landscape-lab run --preset NAME [--steps N] [--json] [...]   one of the tutorial's experiments
  landscape-lab landscape (<config.json> | --experiment ID) [--center C] [--axes SPEC] [--res N] [--span S] [--curvature] [--json]
  landscape-lab optimum <config.json> [--restarts N] [--search-steps N] [--json]
  landscape-lab interpolate (<config.json> | --experiment ID) [--from C] [--to C] [--points N] [--json]
  landscape-lab hessian (<config.json> | --experiment ID [--run N]) [--at C] [--json]   exact Hessian, spectrum, zeros
  landscape-lab race (<config.json> | --preset NAME) [--optimizers LIST] [--steps N] [--json]   optimizers from one init
  landscape-lab sweep <spec.json> [--resume [--wait]] [--json]
  landscape-lab sweep --preset NAME [--steps N] [--resume [--wait]] [--json]   per cell: median loss, IQR, success
  landscape-lab sweep <spec.json> --shard K/N --db FILE [--resume]   train shard K of N (from 0) into its own database
  landscape-lab sweep <spec.json> --slurm --dir DIR [--shards N] [--partition P] [--time T] [--cpus-per-task C]
                    [--node-local] [--submit] [--db FILE] [--k8s]   a SLURM job array + afterok merge (--k8s: an Indexed Job)
  landscape-lab sweep --status DIR [--json]   runs done per shard, failed shards, whether the merge ran
  landscape-lab merge SHARD.sqlite... [--into FILE] [--json]   fold shards into one sweep (default: --db's default)
  landscape-lab presets [--json]              the tutorial's experiments, ready to run or sweep
  landscape-lab list [--json]                 landscape-lab show ID [--json]
  landscape-lab rename ID NAME                landscape-lab delete ID [--yes]
  landscape-lab export ID... --out FILE       landscape-lab import FILE
  landscape-lab reproduce ID
  landscape-lab import-data FILE.csv [--out CONFIG.json] [--json]   a config that trains on a CSV's x, y
  landscape-lab export-model ID --out DIR [--run N] [--at C]         the network as a TensorFlow.js model
  landscape-lab serve [--port N] [--open] [--init]   the UI and the LabApi on 127.0.0.1, for a browser
  landscape-lab upgrade [--db FILE]           bring a database of an older version to this one's schema
  landscape-lab devices [--json]              what can compute here: cores, simd, tfjs backends, WebGPU adapters

Options:
  --db FILE         the lab database (default ${defaultDatabasePath()})
  --init            make an existing empty file (0 bytes, or SQLite without tables) the lab database;
                    without it such a file is refused and left as it was
  --json            print the result as JSON on stdout
  --out FILE        write the JSON result (export: the .lab.json file; import-data: the config) to FILE;
                    never overwrites unless --force (export-model: the folder for model.json and weights.bin)
  --kernel K        ${KERNELS.join(' | ')} (default: the config's kernel, auto)
  --backend B       tfjs backend: ${BACKENDS.join(' | ')} (default auto: tensorflow, else wasm, else cpu)
  --no-save         run without storing the experiment
  --preset NAME     run or sweep one of the tutorial's experiments instead of a file (see presets)
  --steps N         train N steps instead of the config's (a sweep: in every cell), 1..${LIMITS.steps}
  --experiment ID   use a stored experiment's trained run (and store the result with it); given a
                    config instead, landscape and interpolate store its run and optimum, and reuse them
                    for the same config and seed
  --center C        ${MARKERS.join(' | ')} (default trained)
  --axes SPEC       ${AXES_HELP} (default plane)
  --res N           grid points per side, 2..${LIMITS.surfaceRes} (default 65)
  --span S          half-width of the grid, or auto to fit the markers (default auto; 1 for random)
  --curvature       landscape: the convexity map too — the extreme eigenvalues of the full Hessian and of the
                    surface's own 2×2 Hessian at each grid point (at most 33×33; a finer grid is sampled coarser)
  --from/--to C     interpolation end points (default init → trained)
  --points N        interpolation points (default 101)
  --restarts N      restarts when the optimum has no closed form (default 8)
  --search-steps N  full-batch steps of each restart (default 5000, whatever the run's own steps)
  --resume          continue the unfinished sweep of this spec from the runs already stored
  --wait            with --resume: if another process is resuming that sweep, wait for it to finish
                    (without it: exit 2 saying which pid has it)
  --shards N        how many shards (array tasks) a --slurm/--k8s sweep is split into, by estimated cost (default 8)
  --node-local      --slurm: shards train on each node's local disk ($SLURM_TMPDIR or $TMPDIR) and are copied
                    into DIR/shards when they end (default: straight into DIR/shards, one file per shard)
  --submit          --slurm: submit the array and the merge with sbatch and print their job ids
  --into FILE       merge: the database the shards are merged into (default ${defaultDatabasePath()})
  --yes             delete without asking
  --run N           export-model, hessian: which run of the experiment (default 0; a race's optimizers in order)
  --at C            export-model, hessian: init | trained | optimum (the exact optimum, else the best of 8 restarts; default trained)
  --optimizers LIST race: two or more of sgd,momentum,rmsprop,momentum-rmsprop,adam (default all five; the config's
                    own optimizer keeps its settings, the others take the tutorial's learning rates)
  --port N          serve: the loopback port (default: a free one);  --open: open the browser too
  -h, --help        this help;  -v, --version  the version

The config is one JSON document; every field but data.target has a default. See README.md.
Exit codes: 0 ok, 1 internal error, 2 bad input, 3 reproduce found a difference, 130 interrupted.`;
}
