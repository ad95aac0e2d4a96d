#!/usr/bin/env bash
# The cost of sharding a sweep, on this machine: the same sweep on one machine, as N shard processes
# one after another plus the merge, and (when a SLURM answers) as an N-task array plus its afterok
# merge, from submit to done. Prints wall and CPU seconds and checks the merges equal the one-machine
# sweep run for run. Needs `npm run build`.
#
#   bash scripts/shard-overhead.sh [SPEC.json] [N]     (default: the 10,000-run spec below, 8 shards)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/shard-overhead-XXXXXX")
chmod 0755 "$WORK"
N=${2:-8}
LAB=(node "$ROOT/bin/landscape-lab.js")
if [ -n "${1:-}" ]; then cp "$1" "$WORK/spec.json"; else
  # 10 learning rates × 10 kinks × 100 seeds of the tutorial's 1→2→1 net, 2,000 Adam steps each.
  cat > "$WORK/spec.json" <<'JSON'
{"name":"10k runs","base":{"data":{"target":{"kind":"hinge","x0":0.25},"n":100},"steps":2000,"batchSize":3,"optimizer":{"kind":"adam","lr":0.01},"record":{"every":100}},
 "grid":{"optimizer.lr":[0.001,0.002,0.003,0.005,0.007,0.01,0.02,0.03,0.05,0.07],"data.target.x0":[-0.8,-0.6,-0.4,-0.2,0,0.2,0.4,0.6,0.8,0.9]},"seeds":100}
JSON
fi
cd "$WORK"
timed() { local name=$1; shift; /usr/bin/time -f "$name %e %U %S" -a -o times "$@" > "$name.out" 2>&1; }
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
timed one "${LAB[@]}" sweep spec.json --db one.sqlite
for k in $(seq 0 $((N - 1))); do timed "shard$k" "${LAB[@]}" sweep spec.json --shard "$k/$N" --db "s$k.sqlite"; done
timed merge "${LAB[@]}" merge s*.sqlite --into merged.sqlite
targets=(merged.sqlite)
if sinfo -h >/dev/null 2>&1; then
  t0=$(date +%s.%N)
  ids=$("${LAB[@]}" sweep spec.json --slurm --dir cluster --shards "$N" --db slurm.sqlite --submit | sed -n 's/^submitted: shards job \([0-9]*\), merge job \([0-9]*\).*/\1,\2/p')
  while squeue -h -j "$ids" 2>/dev/null | grep -q .; do sleep 0.5; done
  echo "slurm $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }') - -" >> times
  targets+=(slurm.sqlite)
fi
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
awk -v n="$N" '
  { wall[$1] = $2; cpu[$1] = $3 + $4 }
  /^shard/ { sw += $2; sc += $3 + $4 }
  END {
    printf "one machine          %7.2f s wall  %7.2f s CPU\n", wall["one"], cpu["one"]
    printf "%d shards + merge     %7.2f s wall  %7.2f s CPU  (+%.0f%% wall, +%.0f%% CPU; merge %.2f s wall)\n", n, sw + wall["merge"], sc + cpu["merge"], 100 * (sw + wall["merge"]) / wall["one"] - 100, 100 * (sc + cpu["merge"]) / cpu["one"] - 100, wall["merge"]
    if ("slurm" in wall) printf "SLURM array + merge  %7.2f s wall, submit to done  (+%.0f%%)\n", wall["slurm"], 100 * wall["slurm"] / wall["one"] - 100
  }' times
cat > compare.mjs <<'JS'
const { openStore } = await import(process.argv[2]);
// Every run as the store gives it back (compact columns derived), arrays by their bytes.
const fields = (r) => [r.index, r.label, JSON.stringify(r.hyper), r.cell, r.seedIndex, r.kernel, r.status, r.stepsDone, r.finalLoss, JSON.stringify(r.diagnostics),
  ...[r.loss.steps, r.loss.values, r.snapshots.steps, r.snapshots.params, r.params.init, r.params.final, r.params.optimum, r.data.x, r.data.y].map((a) => (a ? Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64') : null))];
const rows = (f) => { const s = openStore(f, { readonly: true }); try { return s.runs(1).map(fields); } finally { s.db.close(); } };
const one = rows('one.sqlite');
for (const f of process.argv.slice(3)) {
  const other = rows(f);
  const differ = one.filter((r, i) => r.some((v, k) => v !== other[i]?.[k])).length;
  console.log(`${f}: ${other.length} of ${one.length} runs, ${differ} differ from one machine's`);
}
JS
node compare.mjs "$ROOT/dist/main/store/index.js" "${targets[@]}"
echo "(files in $WORK)"
