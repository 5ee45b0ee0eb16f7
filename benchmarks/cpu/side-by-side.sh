#!/usr/bin/env bash
# ILGpuNet's CPU accelerator and libtorch (PyTorch's CPU backend, via benchmarks/TorchPeer) side by side, in one run
# on one machine: machines of the same class differ by 20 % from day to day, so only figures of the same run are
# compared. Builds both (Release), then runs ours and the peer alternately, ROUNDS times (the order flips every
# round), each case in a fresh process:
#   bench step 48x56x48 batch 1, bench step 91x109x91 batch 1  (ilgpunet bench --device cpu | TorchPeer step)
#   operators at batch 1                                       (ilgpunet opbench --device cpu | TorchPeer ops)
# and prints one table (pair.py): per case the fastest round of each (the least disturbed by other work on a
# shared machine), libtorch/ours (below 1: libtorch is faster), and every round. Peak RSS comes from
# /usr/bin/time (%M) for both processes. Machine, date and load average (start, end, and before each run in
# runs.log) are recorded, and for each run the share of the cores other work took while it ran (/proc/stat). About 3 min on a quiet 2-core machine (ROUNDS=3); the first build restores
# TorchSharp-cpu (~1.2 GB).
#
#   benchmarks/cpu/side-by-side.sh                  # OUT=/tmp/side-by-side-<date> ROUNDS=3 WARMUP=2 STEPS=5 REPEATS=10
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${ROUNDS:-3} WARMUP=${WARMUP:-2} STEPS=${STEPS:-5} REPEATS=${REPEATS:-10}
OUT=${OUT:-/tmp/side-by-side-$(date -u +%Y%m%dT%H%M%SZ)}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
mkdir -p "$OUT"
command -v /usr/bin/time >/dev/null || { echo "error: /usr/bin/time (GNU time) is needed for the peak RSS" >&2; exit 1; }

{
  echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
  echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores ($(lscpu | sed -n 's/^Thread(s) per core: *//p') thread per core), $(free -g | awk '/^Mem:/ {print $2}') GiB"
  echo "commit: $(git rev-parse --short HEAD) ($(git rev-parse --abbrev-ref HEAD)), dotnet $(dotnet --version)"
  echo "load at start: $(uptime | sed 's/.*load average: //')"
} | tee "$OUT/machine.txt"

echo "building (Release): src/Cli and benchmarks/TorchPeer"
dotnet build src/Cli -c Release -v q -nologo > "$OUT/build-ours.log" 2>&1 || { tail -20 "$OUT/build-ours.log"; exit 1; }
dotnet build benchmarks/TorchPeer -c Release -v q -nologo > "$OUT/build-peer.log" 2>&1 || { tail -20 "$OUT/build-peer.log"; exit 1; }
OURS=src/Cli/bin/Release/net10.0/ilgpunet
PEER=benchmarks/TorchPeer/bin/Release/net10.0/TorchPeer

# Busy and total jiffies of the whole machine (/proc/stat): with the run's own CPU time they give the share of the
# cores that other work took while it ran, the figure that says how far a run was disturbed.
jiffies() { awk '/^cpu / {busy = $2 + $3 + $4 + $7 + $8 + $9; print busy, busy + $5 + $6}' /proc/stat; }

# run NAME CMD...: one process, its output in NAME.txt; GNU time's peak RSS (KiB), user and system seconds and wall
# in NAME.rss, then the machine's busy and total jiffies over the run; a failure is recorded, not fatal.
run() {
  local name=$1; shift
  echo "$(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg) $name: $*" >> "$OUT/runs.log"
  local before; before=$(jiffies)
  local status=ok
  /usr/bin/time -o "$OUT/$name.rss" -f '%M %U %S %e' "$@" > "$OUT/$name.txt" 2>&1 || status=FAILED
  echo "$before $(jiffies)" >> "$OUT/$name.rss"
  python3 benchmarks/cpu/pair.py --run "$OUT/$name.rss" "$name" "$status" | tee -a "$OUT/runs.log"
}
ours_step() { run "ours-step-$1-r$2" "$OURS" bench --device cpu --config reference --grid "$1" --batch 1 --warmup "$WARMUP" --steps "$STEPS" --json "$OUT/ours-step-$1-r$2.json"; }
peer_step() { run "peer-step-$1-r$2" "$PEER" step --grid "$1" --batch 1 --warmup "$WARMUP" --steps "$STEPS" --json "$OUT/peer-step-$1-r$2.json"; }
ours_ops() { run "ours-ops-r$1" "$OURS" opbench --device cpu --batch 1 --repeats "$REPEATS" --json "$OUT/ours-ops-r$1.json"; }
peer_ops() { run "peer-ops-r$1" "$PEER" ops --batch 1 --repeats "$REPEATS" --json "$OUT/peer-ops-r$1.json"; }

for r in $(seq 1 "$ROUNDS"); do
  echo "round $r of $ROUNDS ($([ $((r % 2)) -eq 1 ] && echo 'ours first' || echo 'libtorch first'))"
  for g in 48x56x48 91x109x91; do
    if [ $((r % 2)) -eq 1 ]; then ours_step "$g" "$r"; peer_step "$g" "$r"; else peer_step "$g" "$r"; ours_step "$g" "$r"; fi
  done
  if [ $((r % 2)) -eq 1 ]; then ours_ops "$r"; peer_ops "$r"; else peer_ops "$r"; ours_ops "$r"; fi
done

echo "load at end: $(uptime | sed 's/.*load average: //')" | tee -a "$OUT/machine.txt"
python3 benchmarks/cpu/pair.py "$OUT" | tee "$OUT/table.md"
echo "raw outputs: $OUT"
