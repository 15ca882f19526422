#!/usr/bin/env bash
# The paper protocol's runs on a GPU machine (JAX+CUDA, optax, scikit-learn, Python 3.12 present).
# Usage (from the repository root): OUT=/some/dir bash experiment_results/scripts/paper_and_grid_on_gpu.sh
#   QUICK=1   smoke run (--quick), to test this script on a CPU
#   SKIP_INSTALL=1 do not pip install (a local test in a ready venv); PYTHON=... the interpreter
#   LIMIT=510 seconds after which whatever finished is packed (default 510 = 8.5 minutes)
# Order: the paper protocol's headline cell (lr 1e-4, batch 32, 10 seeds, D/T/I) of both experiments,
# then the controlled protocol of both, then the rest of the paper grid, as far as the time allows.
# Writes $OUT/results.tar.gz (folders paper/iterate, paper/conditional, controlled/iterate, ...)
# and $OUT/log.txt. Each finished cell is saved atomically as it finishes, so a cut run keeps them.
set -u
OUT=${OUT:?set OUT}
LIMIT=${LIMIT:-510}
QUICK=${QUICK:-0}
START=$(date +%s)
WORK=$(mktemp -d /tmp/cajal-gpu.XXXXXX)
LOG="$OUT/log.txt"
mkdir -p "$OUT"
PY=${PYTHON:-python3}

elapsed() { echo $(( $(date +%s) - START )); }
say() { echo "[$(elapsed)s] $*" >> "$LOG"; }

say "start; work dir $WORK"
if [ "${SKIP_INSTALL:-0}" != 1 ]; then
  # offline: no build isolation (it would download setuptools); PYTHONPATH below works without it
  $PY -m pip install --no-deps --no-build-isolation -e . >> "$LOG" 2>&1 || say "pip install -e . failed"
fi
if ! $PY -c "import importlib.util as u; assert u.find_spec('mlxtend')" 2>/dev/null; then
  $PY -m pip install --no-deps .whl/*.whl >> "$LOG" 2>&1 || say "mlxtend wheel install failed"
fi
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
export JAX_DEFAULT_MATMUL_PRECISION=highest   # float32 matmuls, no TF32 (as PyTorch's default for matmul)
export XLA_PYTHON_CLIENT_PREALLOCATE=false
export JAX_COMPILATION_CACHE_DIR=/tmp/cajal-jax-cache   # the grid run reuses the headline run's compiles
$PY -c "import jax; print('jax', jax.__version__, jax.devices())" >> "$LOG" 2>&1

EXTRA=()
[ "$QUICK" = 1 ] && EXTRA=(--quick)

# Minutes left for *starting* new cells: the limit minus a margin for the cell in flight.
left() { local s=$(( LIMIT - $(elapsed) - ${1:-90} )); [ $s -lt 1 ] && s=1; awk "BEGIN { print $s / 60 }"; }

run_all() {
  for exp in iterate conditional; do
    [ -e "$WORK/STOP" ] && return
    say "headline cell, $exp"
    $PY -m cajal_ref.cli experiment "$exp" --protocol paper --out "$WORK/paper/$exp" --no-figures \
      --budget-minutes "$(left 60)" ${EXTRA[@]+"${EXTRA[@]}"} >> "$LOG" 2>&1
    say "exit $?"
  done
  for exp in iterate conditional; do
    [ -e "$WORK/STOP" ] && return
    say "controlled protocol, $exp"
    $PY -m cajal_ref.cli experiment "$exp" --protocol controlled --out "$WORK/controlled/$exp" --no-figures \
      --budget-minutes "$(left 60)" ${EXTRA[@]+"${EXTRA[@]}"} >> "$LOG" 2>&1
    say "exit $?"
  done
  for exp in iterate conditional; do
    [ -e "$WORK/STOP" ] && return
    say "grid, $exp"
    $PY -m cajal_ref.cli experiment "$exp" --protocol paper --grid --out "$WORK/paper/$exp" --no-figures \
      --budget-minutes "$(left 90)" ${EXTRA[@]+"${EXTRA[@]}"} >> "$LOG" 2>&1
    say "exit $?"
  done
}

run_all &
JOB=$!
while kill -0 "$JOB" 2>/dev/null; do
  if [ "$(elapsed)" -ge "$LIMIT" ]; then
    say "time limit: interrupting (finished cells are kept)"
    touch "$WORK/STOP"
    pkill -INT -P "$JOB" 2>/dev/null
    for _ in $(seq 1 20); do kill -0 "$JOB" 2>/dev/null || break; sleep 1; done
    pkill -KILL -P "$JOB" 2>/dev/null; kill -KILL "$JOB" 2>/dev/null
    break
  fi
  sleep 3
done
wait "$JOB" 2>/dev/null
find "$WORK" -name '.*.tmp' -delete; rm -f "$WORK/STOP"
tar czf "$OUT/results.tar.gz" -C "$WORK" . && say "packed $(du -h "$OUT/results.tar.gz" | cut -f1)"
find "$WORK" -name '*.json' -path '*runs*' | sort >> "$LOG"
say "done"
