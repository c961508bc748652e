#!/bin/sh
# Runs every benchmark of scripts/bench, semeq and its peer side by side, prints one table
# and writes it to scripts/bench/RESULTS.md (with the machine and the date).
#   scripts/bench/run_all.sh            the full run (about 12-15 minutes on 2 quiet cores, more on a
#                                       busy machine, where PyTorch runs are cut at 45 s, see train.lua;
#                                       longfile.lua writes 1.3 GB WAVs to $TMPDIR, ~4 GB at once)
#   scripts/bench/run_all.sh --quick    fewer repetitions and epochs (a smoke test, ~2-3 minutes;
#                                       its table goes next to the log, not into RESULTS.md)
# Needs a built semeq (build/semeq, or $SEMEQ) and, for the peers, the Debian packages
# python3-torch, python3-sklearn and sox. It installs nothing: when one is missing it says
# which and exits 2. The full log goes to $TMPDIR (its path is printed).
set -eu

cd "$(dirname "$0")/../.."
SEMEQ=${SEMEQ:-build/semeq}
PY=/usr/bin/python3
QUICK=0
[ "${1:-}" = "--quick" ] && QUICK=1

if [ ! -x "$SEMEQ" ]; then
  echo "run_all.sh: $SEMEQ not found; build semeq first (see README: cmake -S . -B build && cmake --build build -j2)" >&2
  exit 2
fi
missing=""
"$PY" -c 'import torch' >/dev/null 2>&1 || missing="$missing python3-torch"
"$PY" -c 'import sklearn' >/dev/null 2>&1 || missing="$missing python3-sklearn"
[ -x /usr/bin/sox ] || missing="$missing sox"
if [ -n "$missing" ]; then
  echo "run_all.sh: the peers need Debian packages that are missing:$missing" >&2
  echo "run_all.sh: install them (as root: apt-get install$missing) and run again; nothing was installed" >&2
  exit 2
fi
if ! "$SEMEQ" -e 'require("semeq.data").find("socialfx_eq_contributions.csv")' >/dev/null 2>&1; then
  "$SEMEQ" -e 'require("semeq.data").find("socialfx_eq_contributions.csv")' >&2 || true
  exit 2
fi

LOG=$(mktemp -t semeq-bench-log.XXXXXX)
STARTED=$(date -u '+%Y-%m-%d %H:%M')
echo "run_all.sh: log in $LOG"

if [ "$QUICK" = 1 ]; then
  TRAIN="--epochs 10 --reps 1 --budget 20"; INFER="--calls 2000 --reps 1"; FB="--reps 2"; BATCH="--reps 1"
  MET="--reps 2"; SCALE="--epochs 2 --reps 1"; LONG="--minutes 5 --reps 1"
else
  TRAIN="--reps 3 --budget 45"; INFER="--reps 3"; FB="--reps 5"; BATCH="--reps 3"; MET="--reps 5 --sizes 1000,5000,20000"
  SCALE=""; LONG="--minutes 60 --reps 3"
fi

# One benchmark; a failure is logged (and shown in the table's notes) and the others still run.
run() {
  echo "== $*" | tee -a "$LOG"
  { "$SEMEQ" "$@" 2>&1 || echo "FAILED: semeq $*"; } | tee -a "$LOG"
}

B=scripts/bench
run $B/train.lua --compare $TRAIN
run $B/infer.lua --compare $INFER
run $B/filterbank.lua --compare $FB
run $B/batch.lua --compare $BATCH
run $B/metrics.lua --compare $MET
run $B/longfile.lua $LONG
run $B/scaling.lua $SCALE

# A quick run is a smoke test: its table does not replace the one of a full run.
OUT=$B/RESULTS.md
[ "$QUICK" = 1 ] && OUT="$LOG.md"
echo
"$SEMEQ" $B/report.lua "$LOG" "$OUT" "$STARTED"
echo "run_all.sh: table written to $OUT (log: $LOG)"
