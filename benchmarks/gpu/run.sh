#!/usr/bin/env bash
# One prepared GPU check for a CUDA machine with PyTorch but no .NET (ENGINEERING.md, device notes).
# Here:   echo /.gpu/ >> .git/info/exclude
#         dotnet publish src/Cli -c Release -r linux-x64 --self-contained -p:PublishSingleFile=true \
#             -p:EnableCompressionInSingleFile=true -o .gpu
# There:  benchmarks/gpu/run.sh            (CUDA: the stages below, PyTorch on the same card, one comparison)
#         benchmarks/gpu/run.sh --dry-run  (the same stages on the CPU at small sizes, to test the script)
# Outputs (text and JSON) go to $OUT or /tmp/ilgpunet-gpu; the training run and its cohort to $WORK_DIR
# (/tmp/ilgpunet-work: large files that must not travel back). The whole run stays within BUDGET_S
# (540 s on the GPU, compilation included): stages run most important first, each under its own
# timeout, and a stage that no longer fits is reported as skipped. Every stage prints
# "STAGE name: ok|FAILED (exit N)|SKIPPED (reason)" and the table at the end lists them all.
# Exit code 1 when a stage that ran failed; skipped stages do not fail the run.
set -uo pipefail
cd "$(dirname "$0")/../.."

# ---- configuration ------------------------------------------------------------------------------------
DRY=0; [ "${1:-}" = "--dry-run" ] && DRY=1
LOG=${OUT:-/tmp/ilgpunet-gpu}
WORK=${WORK_DIR:-/tmp/ilgpunet-work}
BIN=${ILGPUNET:-.gpu/ilgpunet}
RESERVE=20                                   # seconds kept back for the comparison at the end
if [ $DRY = 1 ]; then
  DEVICE=cpu; BUDGET=${BUDGET_S:-600}
  GRID=32x40x32; BATCHES=2,1; TRAIN_BATCH=2; STEPS="--warmup 1 --steps 2"
  TRAIN_SUBJECTS=20; TRAIN_WORKERS=2; TRAIN_EXTRA="--downsample 2"
  OPSIZE="--batch 1 --repeats 2 --op 1x1x1"; KSIZE="--elements 1048576 --gemm 256 --repeats 5"
  [ -x "$BIN" ] || BIN=src/Cli/bin/Release/net10.0/ilgpunet
  [ -x "$BIN" ] || BIN="dotnet run --project src/Cli -c Release --"
else
  DEVICE=cuda; BUDGET=${BUDGET_S:-540}
  GRID=91x109x91; BATCHES=32,8; TRAIN_BATCH=32; STEPS="--warmup 5 --steps 20"
  TRAIN_SUBJECTS=${TRAIN_SUBJECTS:-200}; TRAIN_WORKERS=${TRAIN_WORKERS:-8}; TRAIN_EXTRA=""
  OPSIZE="--batch 1,8 --repeats 20"; KSIZE="--elements 67108864 --gemm 4096 --repeats 20"
fi
mkdir -p "$LOG" "$WORK"

# ---- stage bookkeeping --------------------------------------------------------------------------------
NAMES=(); RESULTS=(); WALLS=(); COMPILES=(); NOTES=(); FAILED=0

# record NAME RESULT WALL COMPILE NOTE: one STAGE line now, one row of the table at the end.
record() {
  NAMES+=("$1"); RESULTS+=("$2"); WALLS+=("$3"); COMPILES+=("$4"); NOTES+=("$5")
  echo "STAGE $1: $2"
  case $2 in FAILED*) FAILED=1 ;; esac
}

skip() { record "$1" "SKIPPED ($2)" - - ""; }

# stage NAME LOGFILE CAP_S MIN_S COMMAND...: runs COMMAND under timeout (CAP_S, or what is left of the
# budget less the reserve) and tees its output to $LOG/LOGFILE; skipped when fewer than MIN_S seconds are left.
stage() {
  local name=$1 log=$LOG/$2 cap=$3 min=$4; shift 4
  local left=$((BUDGET - RESERVE - SECONDS))
  if [ "$left" -lt "$min" ]; then skip "$name" "time budget: ${left}s left of ${BUDGET}s, needs ${min}s"; return 1; fi
  [ "$cap" -gt "$left" ] && cap=$left
  echo; echo "== $name (at most ${cap}s; ${left}s of the budget left)"
  local start=$SECONDS
  timeout --kill-after=10 "$cap" "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]} wall=$((SECONDS - start))
  # The last "compiled N kernels in X s" line (bench prints the whole process's last).
  local compile; compile=$(grep -oE 'compiled [0-9]+ kernels in [0-9.]+ s' "$log" | tail -n 1 | awk '{print $5}')
  local note; note=$(grep -m 1 -E 'FAILED|^error|Exception|FAIL ' "$log" | cut -c 1-90)
  if [ "$rc" -eq 0 ]; then record "$name" ok "$wall" "${compile:--}" ""
  elif [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then record "$name" "FAILED (exit $rc: timed out after ${cap}s)" "$wall" "${compile:--}" "$note"
  else record "$name" "FAILED (exit $rc)" "$wall" "${compile:--}" "$note"; fi
  [ "$rc" -eq 0 ]
}

summary() {
  echo; echo "== stages ($DEVICE, budget ${BUDGET}s, used ${SECONDS}s; outputs in $LOG)"
  printf '%-22s %-52s %7s %10s  %s\n' stage result "wall s" "compile s" note
  local i
  for i in "${!NAMES[@]}"; do
    printf '%-22s %-52s %7s %10s  %s\n' "${NAMES[$i]}" "${RESULTS[$i]}" "${WALLS[$i]}" "${COMPILES[$i]}" "${NOTES[$i]}"
  done
}

# ---- what is there ------------------------------------------------------------------------------------
[ -f "$BIN" ] && [ ! -x "$BIN" ] && chmod +x "$BIN"   # a carried file may lose its mode
HAVE_BIN=1; [ -x "${BIN%% *}" ] || command -v "${BIN%% *}" >/dev/null 2>&1 || HAVE_BIN=0
HAVE_PY=0; command -v python3 >/dev/null 2>&1 && HAVE_PY=1
HAVE_TORCH=0; [ $HAVE_PY = 1 ] && python3 -c "import torch" 2>/dev/null && HAVE_TORCH=1
NO_BIN="no ilgpunet binary at ${BIN%% *}"
NO_TORCH="PyTorch is not installed"
BATCH_LIST=${BATCHES//,/ }
# Known outputs of earlier runs would pass for this run's: remove them first.
for b in $BATCH_LIST; do rm -f "$LOG/bench-b$b.json" "$LOG/torch-strict-b$b.json" "$LOG/torch-default-b$b.json"; done
rm -f "$LOG/train.json" "$LOG/ours.json" "$LOG/torch.json" "$LOG/opbench.json" "$LOG/torch_ops.json"

# ---- stages, most important first ---------------------------------------------------------------------
devices_stage() {
  [ $DRY = 1 ] || ! command -v nvidia-smi >/dev/null || nvidia-smi --query-gpu=name,memory.total,clocks.sm,clocks.max.sm,driver_version --format=csv || true
  [ $HAVE_BIN = 1 ] || { skip devices "$NO_BIN"; return; }
  stage devices devices.txt 30 0 $BIN devices
}

gradcheck_stage() {
  [ $HAVE_BIN = 1 ] || { skip gradcheck "$NO_BIN"; return; }
  stage gradcheck gradcheck.txt 120 30 $BIN gradcheck --device $DEVICE
}

# Our model benchmark at every batch size in one process (the kernels compile once), the first batch size first.
bench_stage() {
  [ $HAVE_BIN = 1 ] || { skip bench "$NO_BIN"; return; }
  stage bench bench.txt 180 60 $BIN bench --device $DEVICE --batch $BATCHES --grid $GRID $STEPS --profile \
    --json "$LOG/bench-b{batch}.json"
}

# PyTorch's model at the same sizes: PRECISION strict (TF32 off, as we compute) or default.
torch_model_stage() {
  local precision=$1 cap=$2 profile=""
  [ "$precision" = strict ] && profile=--profile
  [ $HAVE_TORCH = 1 ] || { skip "torch model $precision" "$NO_TORCH"; return; }
  stage "torch model $precision" "torch-$precision.txt" "$cap" 40 env PYTHONUNBUFFERED=1 python3 benchmarks/gpu/torch_model.py \
    --device $DEVICE --batch $BATCHES --grid $GRID $STEPS --precision $precision $profile --json "$LOG/torch-$precision-b{batch}.json"
}

# `ilgpunet train` on a synthetic cohort, 2 epochs, the bench's model and batch: samples/s, data wait and
# device memory (nvidia-smi sampled alongside) into train.json; the run folder stays in $WORK.
train_stage() {
  [ $HAVE_BIN = 1 ] || { skip train "$NO_BIN"; return; }
  local run=$WORK/train-run mem=$LOG/train-memory.log sampler=""
  rm -rf "$run"; rm -f "$mem"
  if [ $DRY = 0 ] && command -v nvidia-smi >/dev/null 2>&1; then
    nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -i 0 -lms 250 > "$mem" 2>/dev/null &
    sampler=$!; sleep 1
  fi
  stage train train.txt 240 90 $BIN train --device $DEVICE --grid $GRID --batch-size $TRAIN_BATCH --epochs 2 \
    --width-mult 1 --subjects $TRAIN_SUBJECTS --reference-head --patience 0 --workers $TRAIN_WORKERS --cache "$WORK/cohort" --out "$run" $TRAIN_EXTRA
  local rc=$?
  [ -n "$sampler" ] && kill "$sampler" 2>/dev/null
  [ -d "$run" ] || return $rc
  mkdir -p "$LOG/train"
  cp "$run"/metrics.csv "$run"/summary.json "$run"/config.json "$LOG/train/" 2>/dev/null
  [ $HAVE_PY = 1 ] && python3 benchmarks/gpu/train_summary.py "$run" --memory-log "$mem" --grid $GRID --batch $TRAIN_BATCH \
    --json "$LOG/train.json" | tee -a "$LOG/train.txt"
  return $rc
}

ops_stages() {
  if [ $HAVE_BIN = 1 ]; then
    stage opbench opbench.txt 90 30 $BIN opbench --device $DEVICE $OPSIZE --json "$LOG/opbench.json"
  else skip opbench "$NO_BIN"; fi
  if [ $HAVE_TORCH = 1 ]; then
    stage "torch ops" torch_ops.txt 90 30 env PYTHONUNBUFFERED=1 python3 benchmarks/gpu/torch_ops.py --device $DEVICE $OPSIZE \
      --json "$LOG/torch_ops.json" --ours "$LOG/opbench.json"
  else skip "torch ops" "$NO_TORCH"; fi
}

# Our kernels against the measured roofline (kernelbench measures it first and writes it into ours.json).
kernel_stages() {
  if [ $HAVE_BIN = 1 ]; then
    stage kernelbench kernelbench.txt 90 30 $BIN kernelbench --device $DEVICE $KSIZE --json "$LOG/ours.json"
  else skip kernelbench "$NO_BIN"; fi
  if [ $HAVE_TORCH = 1 ]; then
    stage "torch kernels" comparison.txt 60 20 env PYTHONUNBUFFERED=1 python3 benchmarks/gpu/torch_kernels.py --device $DEVICE $KSIZE \
      --json "$LOG/torch.json" --ours "$LOG/ours.json"
  else skip "torch kernels" "$NO_TORCH"; fi
}

# The Python side on hand-made JSON (missing files, missing keys, NaN): dry run only, no GPU needed.
selftest_stage() {
  [ $HAVE_PY = 1 ] || { skip "script self-test" "no python3"; return; }
  stage "script self-test" selftest.txt 60 10 python3 benchmarks/gpu/test_scripts.py
}

# One table of everything that was measured; runs in the reserved time, whatever failed before.
compare_stage() {
  [ $HAVE_PY = 1 ] || { skip compare "no python3"; return; }
  local files=() b
  for b in $BATCH_LIST; do files+=("$LOG/bench-b$b.json" "$LOG/torch-strict-b$b.json" "$LOG/torch-default-b$b.json"); done
  files+=("$LOG/train.json" "$LOG/opbench.json" "$LOG/ours.json" "$LOG/torch.json")
  RESERVE=0
  stage compare compare.txt 30 0 python3 benchmarks/gpu/compare.py "${files[@]}"
}

devices_stage
gradcheck_stage
bench_stage
torch_model_stage strict 120
train_stage
torch_model_stage default 90
ops_stages
kernel_stages
[ $DRY = 1 ] && selftest_stage
compare_stage
summary
exit $FAILED
