#!/usr/bin/env python3
"""Pairs the outputs of side-by-side.sh (ours and libtorch, every round) into one Markdown table.

Per case: the fastest round of each engine (the least disturbed by other work on a shared machine),
libtorch/ours (below 1: libtorch is faster, above 1: ours is) and every round's figure. Op rows are paired by
name (the peer uses ours). A missing or failed run shows as "missing"; the other figures still print.

  python3 benchmarks/cpu/pair.py /tmp/side-by-side-<date>
  python3 benchmarks/cpu/pair.py --run OUT/NAME.rss NAME ok|FAILED   # one run's line (side-by-side.sh)
"""
import glob, json, math, os, re, sys


def number(v):
    """A finite float, or None (missing, NaN written as a number or as the string "NaN")."""
    try:
        v = float(v)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def run_figures(path):
    """(peak RSS MiB, own CPU s, wall s, share of the machine's CPU that other work took) of one run, from its
    .rss file: GNU time's '%M %U %S %e' line (after a 'Command exited...' line on failure), then the machine's
    busy and total jiffies before and after. None where absent."""
    try:
        with open(path) as f:
            lines = [l.split() for l in f if l.strip()]
        rss_kib, user, system, wall = (float(v) for v in lines[-2])
        busy0, total0, busy1, total1 = (float(v) for v in lines[-1])
    except (OSError, ValueError, IndexError):
        return None, None, None, None
    hz = os.sysconf("SC_CLK_TCK")
    total = total1 - total0
    others = max(0.0, (busy1 - busy0) - (user + system) * hz) / total if total > 0 else None
    return rss_kib / 1024, user + system, wall, others


def rss_mib(path):
    return run_figures(path)[0]


def run_line(path, name, status):
    """One line per run for side-by-side.sh's progress and runs.log."""
    _, cpu, wall, others = run_figures(path)
    return (f"  {name:<26} {fmt(wall, 1):>6} s wall, {fmt(cpu, 1):>6} s CPU, other work took "
            f"{'missing' if others is None else f'{others:.0%}'} of the cores" + ("" if status == "ok" else f"  {status}"))


def rounds(out, pattern):
    """Round number -> file path, for files like ours-ops-r2.json."""
    found = {}
    for path in glob.glob(os.path.join(out, pattern)):
        m = re.search(r"-r(\d+)\.[a-z]+$", path)
        if m:
            found[int(m.group(1))] = path
    return found


def fmt(v, digits):
    return "missing" if v is None else f"{v:.{digits}f}"


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "--run":
        print(run_line(*sys.argv[2:]))
        return 0
    if len(sys.argv) != 2:
        raise SystemExit(__doc__.strip().splitlines()[-1])
    out = sys.argv[1]
    rows = []  # (case, ours per round, libtorch per round, digits)

    def add(case, ours, peer, digits=1):
        rows.append((case, ours, peer, digits))

    notes = []
    for grid in ("48x56x48", "91x109x91"):
        series = {}
        for engine in ("ours", "peer"):
            files = rounds(out, f"{engine}-step-{grid}-r*.json")
            docs = {r: load(p) or {} for r, p in sorted(files.items())}
            series[engine] = {
                "train": [number(d.get("train_step_ms_median")) for d in docs.values()],
                "infer": [number(d.get("inference_ms_median")) for d in docs.values()],
                "rss": [rss_mib(os.path.join(out, f"{engine}-step-{grid}-r{r}.rss")) for r in docs],
                "docs": list(docs.values()),
            }
        o, p = series["ours"], series["peer"]
        add(f"training step {grid} batch 1, ms", o["train"], p["train"])
        add(f"inference {grid} batch 1, ms", o["infer"], p["infer"])
        add(f"peak RSS {grid} (whole process), MiB", o["rss"], p["rss"], 0)
        phases = [(number(d.get("forward_ms_median")), number(d.get("backward_ms_median")), number(d.get("update_ms_median")),
                   number(d.get("train_step_ms_median"))) for d in p["docs"]]
        phases = [ph for ph in phases if ph[3] is not None]
        if phases:
            f, b, u, _ = min(phases, key=lambda ph: ph[3])
            notes.append(f"libtorch's fastest step at {grid}: forward+loss {fmt(f, 1)} ms, backward {fmt(b, 1)} ms, "
                         f"clip+Adam {fmt(u, 1)} ms")
        pools = [number(d.get("peak_memory_bytes")) for d in o["docs"]]
        pools = [v for v in pools if v is not None]
        if pools:
            notes.append(f"ours at {grid}: peak memory in use of the buffer pool {max(pools) / 2**20:.0f} MiB (part of the RSS above)")

    ops = {}
    order = []
    for engine in ("ours", "peer"):
        for r, path in sorted(rounds(out, f"{engine}-ops-r*.json").items()):
            for row in (load(path) or {}).get("ops") or []:
                if not isinstance(row, dict) or row.get("Batch") != 1:
                    continue
                op = row.get("Op")
                if op not in ops:
                    ops[op] = {"ours": {}, "peer": {}}
                    order.append(op)
                ops[op][engine][r] = (number(row.get("ForwardMs")), number(row.get("BackwardMs")))
    all_rounds = sorted({r for op in ops.values() for e in op.values() for r in e})
    for op in order:
        for i, direction in enumerate(("forward", "backward")):
            ours = [ops[op]["ours"].get(r, (None, None))[i] for r in all_rounds]
            peer = [ops[op]["peer"].get(r, (None, None))[i] for r in all_rounds]
            if all(v is None for v in ours + peer):
                continue  # the copy row has no backward
            add(f"{op} {direction}, ms", ours, peer, 3)

    machine = os.path.join(out, "machine.txt")
    if os.path.exists(machine):
        with open(machine) as f:
            print("".join("    " + line for line in f))
    print("| case | ours | libtorch | libtorch/ours | ours, each round | libtorch, each round |")
    print("|---|---:|---:|---:|---|---|")
    for case, ours, peer, digits in rows:
        best_o = min((v for v in ours if v is not None), default=None)
        best_p = min((v for v in peer if v is not None), default=None)
        ratio = best_p / best_o if best_o and best_p is not None else None
        each = lambda vs: " / ".join(fmt(v, digits) for v in vs) or "missing"
        print(f"| {case} | {fmt(best_o, digits)} | {fmt(best_p, digits)} | {fmt(ratio, 2)} | {each(ours)} | {each(peer)} |")
    print()
    for n in notes:
        print(f"- {n}")
    print()
    print("Runs in the order they ran (other work's share of the cores while each ran):")
    log = os.path.join(out, "runs.log")
    if os.path.exists(log):
        with open(log) as f:
            print("".join("    " + l.strip() + "\n" for l in f if l.startswith("  ")), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
