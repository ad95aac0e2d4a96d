#!/usr/bin/env bash
# A sweep of 10⁵ runs of the tutorial's network, built the way a cluster builds it: N shard
# processes (one after another here), then one merge, then the merged sweep exported and imported
# into a new database. Prints what the merged database takes per run, what the merge costs, and the
# export's and import's time and peak memory (the process's maximum RSS), so that anyone can repeat
# the figures of README's Sweeps and Storage sections (bench/scale.ts prints them as bench rows).
# Needs `npm run build`.
#
#   bash scripts/sweep-scale.sh [SEEDS] [N] [STEPS]
#     default: 1,000 cells × 100 seeds = 10⁵ runs, 4 shards, 5,000 steps. SEEDS 1000 makes 10⁶ runs;
#     a run stores the same at any STEPS (a sweep records 100 losses and 20 snapshots), so
#     `bash scripts/sweep-scale.sh 1000 8 500` builds a 10⁶-run database for about the training of 10⁵.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SEEDS=${1:-100}
N=${2:-4}
STEPS=${3:-5000}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sweep-scale-XXXXXX")
LAB=(node "$ROOT/bin/landscape-lab.js")
cd "$WORK"
# The tutorial's sweep at its default recording: 1→2→1 ReLU on the hinge's 500 points, STEPS Adam
# steps, 10 learning rates × 100 kink positions (so 100 distinct datasets) × SEEDS seeds.
cat > spec.json <<JSON
{"name":"sweep scale","base":{"data":{"target":{"kind":"hinge"}},"steps":$STEPS},
 "grid":{"optimizer.lr":{"from":0.001,"to":0.1,"count":10,"scale":"log"},"data.target.x0":{"from":-0.9,"to":0.9,"count":100}},
 "seeds":$SEEDS,"threshold":0.001}
JSON
# Each timed command's line: name, wall s, user s, system s, maximum RSS KiB.
timed() { local name=$1; shift; /usr/bin/time -f "$name %e %U %S %M" -a -o times "$@" > "$name.out" 2>&1; }
for k in $(seq 0 $((N - 1))); do timed "shard$k" "${LAB[@]}" sweep spec.json --shard "$k/$N" --db "s$k.sqlite"; done
timed merge "${LAB[@]}" merge s*.sqlite --into merged.sqlite
RUNS=$((1000 * SEEDS))
BYTES=$(stat -c %s merged.sqlite)
WAL=$(stat -c %s merged.sqlite-wal 2>/dev/null || echo 0)
timed export "${LAB[@]}" export 1 --db merged.sqlite --out merged.lab.json
timed import "${LAB[@]}" import merged.lab.json --db imported.sqlite
awk -v runs="$RUNS" -v bytes="$BYTES" -v wal="$WAL" -v n="$N" '
  { wall[$1] = $2; cpu[$1] = $3 + $4; rss[$1] = $5 / 1024 }
  /^shard/ { sw += $2; sc += $3 + $4 }
  END {
    printf "runs %d\n", runs
    printf "bytes_per_run %.0f\n", (bytes + wal) / runs
    printf "shards_wall %.2f\nshards_cpu %.2f\n", sw, sc
    printf "merge_wall %.2f\nmerge_cpu %.2f\nmerge_rss_mib %.0f\n", wall["merge"], cpu["merge"], rss["merge"]
    printf "export_wall %.2f\nexport_cpu %.2f\nexport_rss_mib %.0f\n", wall["export"], cpu["export"], rss["export"]
    printf "import_wall %.2f\nimport_cpu %.2f\nimport_rss_mib %.0f\n", wall["import"], cpu["import"], rss["import"]
  }' times
echo "export_bytes $(stat -c %s merged.lab.json)"
# The export (about 9 KB a run: each run carries its dataset) and its import are measured; the merged database stays.
rm -f merged.lab.json imported.sqlite imported.sqlite-wal imported.sqlite-shm
echo "files $WORK"
