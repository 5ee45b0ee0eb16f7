#!/usr/bin/env bash
# One prepared GPU check for a CUDA machine with PyTorch but no .NET (ENGINEERING.md, device notes).
# Here:   echo /.gpu/ >> .git/info/exclude
#         dotnet publish src/Cli -c Release -r linux-x64 --self-contained -p:PublishSingleFile=true \
#             -p:EnableCompressionInSingleFile=true -o .gpu
# There:  benchmarks/gpu/run.sh            (CUDA: gradcheck, kernel and operator benchmarks, PyTorch on the same card)
#         benchmarks/gpu/run.sh --dry-run  (the same steps on the CPU at small sizes, to test the script)
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

exit $status
