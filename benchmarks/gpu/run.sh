#!/usr/bin/env bash
# One prepared GPU check for a CUDA machine with PyTorch but no .NET (ENGINEERING.md, device notes).
# Here:   echo /.gpu/ >> .git/info/exclude
#         dotnet publish src/Cli -c Release -r linux-x64 --self-contained -p:PublishSingleFile=true \
#             -p:EnableCompressionInSingleFile=true -o .gpu
# There:  benchmarks/gpu/run.sh            (CUDA: gradcheck, kernel and operator benchmarks, PyTorch on the same card)
#         benchmarks/gpu/run.sh --dry-run  (the same steps on the CPU at small sizes, to test the script)
# Outputs (text and JSON) go to $OUT or /tmp/ilgpunet-gpu. The model steps at the end share a time budget
# (BUDGET_S, default 600 s on the GPU): each runs under `timeout`, and what no longer fits is reported as skipped.
set -uo pipefail
cd "$(dirname "$0")/../.."
BIN=${ILGPUNET:-.gpu/ilgpunet}
LOG=${OUT:-/tmp/ilgpunet-gpu}
mkdir -p "$LOG"
if [ "${1:-}" = "--dry-run" ]; then
  DEVICE=cpu; SIZE="--elements 1048576 --gemm 256 --repeats 5"
  [ -x "$BIN" ] || BIN="dotnet run --project src/Cli -c Release --"
else
  DEVICE=cuda; SIZE="--elements 67108864 --gemm 4096 --repeats 20"
  nvidia-smi --query-gpu=name,memory.total,clocks.sm,clocks.max.sm --format=csv || true
fi
status=0
$BIN devices
echo "== gradcheck on $DEVICE"
$BIN gradcheck --device $DEVICE 2>&1 | tee "$LOG/gradcheck.txt" || status=1
echo "== ILGpuNet kernels on $DEVICE"
$BIN kernelbench --device $DEVICE $SIZE --json "$LOG/ours.json" 2>&1 | tee "$LOG/kernelbench.txt" || status=1
echo "== PyTorch on the same device"
if python3 -c "import torch" 2>/dev/null; then
  PYTHONUNBUFFERED=1 python3 benchmarks/gpu/torch_kernels.py --device $DEVICE $SIZE --json "$LOG/torch.json" --ours "$LOG/ours.json" \
    2>&1 | tee "$LOG/comparison.txt" || status=1
else
  echo "PyTorch is not installed here: no comparison"
fi

# ---- operators at the reference model's shapes: ilgpunet opbench and its PyTorch peer (torch_ops.py) ----
if [ "$DEVICE" = cpu ]; then OPSIZE="--batch 1 --repeats 2 --op 1x1x1"; else OPSIZE="--batch 1,8 --repeats 20"; fi
echo "== ILGpuNet operators on $DEVICE"
$BIN opbench --device $DEVICE $OPSIZE --json "$LOG/opbench.json" 2>&1 | tee "$LOG/opbench.txt" || status=1
echo "== PyTorch operators on the same device (strict FP32, then defaults)"
if python3 -c "import torch" 2>/dev/null; then
  PYTHONUNBUFFERED=1 python3 benchmarks/gpu/torch_ops.py --device $DEVICE $OPSIZE --json "$LOG/torch_ops.json" --ours "$LOG/opbench.json" \
    2>&1 | tee "$LOG/torch_ops.txt" || status=1
else
  echo "PyTorch is not installed here: no operator comparison"
fi
# ---- end of the operator block ----

# ---- model benchmarks: roofline, ilgpunet bench, the PyTorch model, one comparison (benchmarks/gpu/README.md) ----
if [ "${1:-}" = "--dry-run" ]; then
  BUDGET=${BUDGET_S:-1800}; BATCHES="1"; GRID=32x40x32; STEPS="--warmup 1 --steps 2"; ROOF="--elements 1048576 --repeats 5"
else
  BUDGET=${BUDGET_S:-600}; BATCHES="8 32"; GRID=91x109x91; STEPS="--warmup 5 --steps 20"; ROOF=""
fi
# step NAME LOG CAP_S COMMAND...: runs COMMAND under timeout (its cap, or what is left of the budget), tees LOG.
step() {
  local name=$1 log=$2 cap=$3; shift 3
  local left=$((BUDGET - SECONDS))
  if [ "$left" -lt 15 ]; then echo "skipped: $name (time budget of ${BUDGET}s spent)"; return 0; fi
  [ "$cap" -gt "$left" ] && cap=$left
  echo "== $name (at most ${cap}s)"
  timeout --kill-after=10 "$cap" "$@" 2>&1 | tee "$LOG/$log"
  local rc=${PIPESTATUS[0]}
  if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then echo "timed out: $name after ${cap}s"; status=1
  elif [ "$rc" -ne 0 ]; then echo "failed: $name (exit $rc)"; status=1; fi
}
step "roofline on $DEVICE" roofline.txt 60 $BIN roofline --device $DEVICE $ROOF --json "$LOG/roofline.json"
HAVE_BENCH=0; $BIN --help 2>/dev/null | grep -qE '^ +bench( |$)' && HAVE_BENCH=1  # listed among the commands
HAVE_TORCH=0; python3 -c "import torch" 2>/dev/null && HAVE_TORCH=1
[ $HAVE_BENCH = 1 ] || echo "skipped: ilgpunet bench not available (every 'ilgpunet bench' step below)"
[ $HAVE_TORCH = 1 ] || echo "skipped: PyTorch is not installed (every torch_model.py step below)"
for b in $BATCHES; do
  # --profile (a per-op-kind breakdown) only at the first batch size: it adds a few slower steps.
  PROFILE=""; [ "$b" = "${BATCHES%% *}" ] && PROFILE="--profile"
  [ $HAVE_BENCH = 1 ] && step "ilgpunet bench, batch $b, $GRID" bench-b$b.txt 150 \
    $BIN bench --device $DEVICE --batch $b --grid $GRID $STEPS $PROFILE --json "$LOG/bench-b$b.json"
  if [ $HAVE_TORCH = 1 ]; then
    for precision in strict default; do
      step "PyTorch model, $precision, batch $b, $GRID" torch-$precision-b$b.txt 90 env PYTHONUNBUFFERED=1 \
        python3 benchmarks/gpu/torch_model.py --device $DEVICE --batch $b --grid $GRID $STEPS --precision $precision \
        $([ $precision = strict ] && echo $PROFILE) --json "$LOG/torch-$precision-b$b.json"
    done
  fi
done
echo "== comparison"
JSONS=""
for f in roofline $(for b in $BATCHES; do echo bench-b$b torch-strict-b$b torch-default-b$b; done) ours torch; do
  [ -f "$LOG/$f.json" ] && JSONS="$JSONS $LOG/$f.json"
done
timeout 30 python3 benchmarks/gpu/compare.py $JSONS 2>&1 | tee "$LOG/compare.txt" || status=1
echo "total ${SECONDS}s, outputs in $LOG"
exit $status
