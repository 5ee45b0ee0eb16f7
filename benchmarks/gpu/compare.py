#!/usr/bin/env python3
"""One comparison table from the GPU script's JSON files: ILGpuNet against PyTorch (strict FP32 and defaults).

  python3 benchmarks/gpu/compare.py OUT/*.json

Each file is recognised by its fields (schemas in README.md here):
  model benchmark  `ilgpunet bench --json` or torch_model.py --json: train_step_ms_median, ...
  training run     train_summary.py --json: {"kind": "train", ...} (samples/s of `ilgpunet train`)
  roofline         `ilgpunet roofline --json`: {"roofline": {"bandwidth_gbps", "fp32_gflops", ...}}
  kernels          `ilgpunet kernelbench --json` (a list of kernels) or torch_kernels.py --json (a dict)
  operators        `ilgpunet opbench --json` ({"ops": [...]}: only its compile time is shown here)
Missing, unreadable or cut-short files and NaN figures are reported and shown as "missing"; whatever
figures there are still get their table (PyTorch's alone when ours are missing). Exit code 0 unless the
arguments are wrong. Needs only the Python standard library (no PyTorch).
"""
import math, os, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchjson import fmt, load as load_json, num, ratio  # noqa: E402

# (kernel, stride, in, out, repeats) of the reference model's expand_ratio-1 stages (torch_model.py, ENGINEERING.md).
STAGES = [(3, 1, 64, 64, 1), (5, 2, 64, 96, 1), (5, 2, 96, 128, 2), (5, 2, 128, 192, 3), (3, 1, 192, 256, 1)]
TRAIN_TARGET = 0.90  # `train` samples/s over `bench` samples/s at the same batch and grid
MISSING = "missing"


def conv_out(n, kernel, stride, padding):
    return (n + 2 * padding - kernel) // stride + 1


def model_macs(grid, classes=2):
    """Multiply-adds of one forward pass per sample, and those of the stem (2.74 G and 93 % at 91x109x91)."""
    dims = [conv_out(n, 7, 2, 3) for n in grid]
    stem = 64 * 343 * math.prod(dims)
    dims = [conv_out(n, 1, 2, 0) for n in dims]  # MaxPool3d(1, stride 2)
    total = stem
    blocks = []
    for kernel, stride, cin, cout, repeats in STAGES:
        for r in range(repeats):
            blocks.append((kernel, stride if r == 0 else 1, cin if r == 0 else cout, cout, 1))
    blocks.append((1, 1, 256, 512, 6))
    for kernel, stride, cin, cout, expand in blocks:
        hidden, reduced = cin * expand, cin // 4
        if expand != 1:
            total += hidden * cin * math.prod(dims)
        dims = [conv_out(n, kernel, stride, kernel // 2) for n in dims]
        voxels = math.prod(dims)
        total += hidden * kernel ** 3 * voxels + 2 * hidden * reduced + cout * hidden * voxels
    total += 512 * math.prod(dims) * 400 + 400 * 64 + 64 * classes
    return total, stem


def parse_grid(grid):
    try:
        if isinstance(grid, str):
            grid = grid.lower().split("x")
        dims = tuple(int(v) for v in grid)
        return dims if len(dims) == 3 and min(dims) > 0 else None
    except (TypeError, ValueError):
        return None


def parse_batch(batch):
    return int(batch) if num(batch) is not None and num(batch) >= 1 else None


class Docs:
    """The recognised documents, by kind."""

    def __init__(self):
        self.benches, self.trains, self.compiles = [], [], []
        self.roofline = self.kernels_ours = self.kernels_torch = None


def load(paths):
    docs = Docs()
    for path in paths:
        doc = load_json(path, label=os.path.basename(path))
        if doc is None:
            continue
        name = os.path.basename(path)
        if num(doc.get("compile_s")) is not None:
            docs.compiles.append((name, doc))
        if doc.get("kind") == "train":
            if not add_shaped(docs.trains, doc, name):
                continue
        elif "train_step_ms_median" in doc or doc.get("engine") in ("ilgpunet", "pytorch"):
            doc["engine"] = doc.get("engine") or ("pytorch" if "torch" in doc else "ilgpunet")
            doc["precision"] = doc.get("precision") or "strict"
            add_shaped(docs.benches, doc, name)
        elif isinstance(doc.get("kernels"), list):
            docs.kernels_ours = doc
            if isinstance(doc.get("roofline"), dict):
                docs.roofline = docs.roofline or doc["roofline"]
        elif isinstance(doc.get("kernels"), dict):
            docs.kernels_torch = doc
        elif isinstance(doc.get("roofline"), dict):
            docs.roofline = doc["roofline"]
        elif isinstance(doc.get("ops"), list):
            pass  # opbench: its compile time is all this table shows
        else:
            print(f"not a benchmark file, skipped: {path}")
    if docs.roofline is not None and (num(docs.roofline.get("fp32_gflops")) is None or num(docs.roofline.get("bandwidth_gbps")) is None):
        print("roofline: incomplete (fp32_gflops or bandwidth_gbps missing or NaN); no shares of the peak")
        docs.roofline = None
    return docs


def add_shaped(target, doc, name):
    """Keeps a model-benchmark or training document that says its grid and batch."""
    doc["grid"], doc["batch"] = parse_grid(doc.get("grid")), parse_batch(doc.get("batch"))
    if doc["grid"] is None or doc["batch"] is None:
        print(f"{name}: no usable grid or batch, skipped")
        return False
    doc["file"] = name
    target.append(doc)
    return True


COLUMNS = [("ilgpunet", "strict", "ILGpuNet"), ("pytorch", "strict", "PyTorch strict"), ("pytorch", "default", "PyTorch default")]
# (row label, field, scale, higher is better, digits)
ROWS = [
    ("train step ms", "train_step_ms_median", 1, False, 2),
    ("train samples/s", "samples_per_s", 1, True, 1),
    ("inference ms (per batch)", "inference_ms_median", 1, False, 2),
    ("peak memory GiB (training)", "peak_memory_bytes", 2 ** -30, False, 2),
    ("kernel launches per step", "launches_per_step", 1, False, 0),
]


def better(ours, theirs, higher_is_better):
    """How many times better ours is (> 1: ours better), whatever the direction of the metric."""
    return ratio(ours, theirs) if higher_is_better else ratio(theirs, ours)


def model_table(docs):
    for grid in sorted({b["grid"] for b in docs.benches}):
        table = {(b["engine"], b["precision"], b["batch"]): b for b in docs.benches if b["grid"] == grid}
        batches = sorted({k[2] for k in table}, reverse=True)
        classes = int(num(next(iter(table.values())).get("classes")) or 2)
        macs, stem = model_macs(grid, classes)
        print(f"\n== 3D EfficientNet, input {'x'.join(map(str, grid))}, {classes} classes "
              f"({macs / 1e9:.2f} G multiply-adds per sample forward)")
        for engine, precision, label in COLUMNS:
            found = [d for (e, p, _), d in table.items() if e == engine and p == precision]
            if found:
                extra = f", torch {found[0]['torch']}" if "torch" in found[0] else ""
                print(f"   {label}: {found[0].get('device', '?')}{extra}")
        print(f"{'':<34}" + "".join(f"{label:>17}" for _, _, label in COLUMNS) + f"{'strict/ours':>13}{'default/ours':>14}")
        print(f"{'':<34}{'':>51}{'(>1: ours better)':>27}")
        for batch in batches:
            ours = table.get(("ilgpunet", "strict", batch))
            if ours is None:
                print(f"ours: missing at batch {batch} (no bench JSON: the stage was skipped or failed)")
            for name, field, scale, higher, digits in ROWS:
                values = [cell(table.get((e, p, batch)), field, scale) for e, p, _ in COLUMNS]
                if all(v is None for v in values):
                    continue
                ours_text = MISSING if ours is None or values[0] is None else fmt(values[0], digits)
                line = f"{name + f', batch {batch}':<34}{ours_text:>17}" + "".join(f"{fmt(v, digits):>17}" for v in values[1:])
                line += f"{fmt(better(values[0], values[1], higher)):>13}{fmt(better(values[0], values[2], higher)):>14}"
                print(line)
            if docs.roofline:
                train_flops = 2.0 * (3 * macs - stem) * batch
                values = []
                for engine, precision, _ in COLUMNS:
                    ms = cell(table.get((engine, precision, batch)), "train_step_ms_median")
                    values.append(None if not ms else train_flops / (ms * 1e-3) / 1e9 / docs.roofline["fp32_gflops"] * 100)
                print(f"{f'train % of FP32 peak, batch {batch}':<34}" + "".join(f"{fmt(v, 1):>17}" for v in values))
        if docs.roofline:
            print(f"(FP32 peak {docs.roofline['fp32_gflops']:.0f} GFLOP/s and {docs.roofline['bandwidth_gbps']:.0f} GB/s measured by "
                  f"ilgpunet roofline; a training step counts 2 x (3 x forward - stem) multiply-adds: TF32 can exceed 100 %)")
        breakdown_table(table, batches)


def cell(doc, field, scale=1):
    v = num(doc.get(field)) if doc else None
    return None if v is None else v * scale


def breakdown_table(table, batches):
    for batch in batches:
        cols = []
        for engine, precision, label in COLUMNS:
            d = table.get((engine, precision, batch))
            rows = d.get("breakdown") if d else None
            if isinstance(rows, list):
                cols.append((label, {r["op"]: r for r in rows if isinstance(r, dict) and "op" in r}))
        if not cols:
            continue
        kinds = []
        for _, rows in cols:
            kinds += [k for k in rows if k not in kinds]
        print(f"\n   training step by op kind, batch {batch}: ms (share)")
        print(f"{'op kind':<20}" + "".join(f"{label:>22}" for label, _ in cols))
        for kind in kinds:
            cells = []
            for _, rows in cols:
                r = rows.get(kind, {})
                ms, share = num(r.get("ms")), num(r.get("share"))
                cells.append("-" if ms is None else f"{ms:.2f}" + ("" if share is None else f" ({share:.0%})"))
            print(f"{kind:<20}" + "".join(f"{c:>22}" for c in cells))


def train_table(docs):
    """`ilgpunet train` against `ilgpunet bench` at the same grid and batch (target >= 90 %), and PyTorch's memory."""
    if not docs.trains:
        return
    print(f"\n== training run (ilgpunet train) vs training step benchmark (ilgpunet bench); target >= {TRAIN_TARGET:.0%}")
    for t in docs.trains:
        grid, batch = t["grid"], t["batch"]
        same = {(b["engine"], b["precision"]): b for b in docs.benches if b["grid"] == grid and b["batch"] == batch}
        bench, torch_strict = same.get(("ilgpunet", "strict")), same.get(("pytorch", "strict"))
        train_rate, bench_rate = num(t.get("samples_per_s")), cell(bench, "samples_per_s")
        share = ratio(train_rate, bench_rate)
        verdict = "" if share is None else (" (meets the target)" if share >= TRAIN_TARGET else " (BELOW the target)")
        epochs = num(t.get("epochs"))
        print(f"   input {'x'.join(map(str, grid))}, batch {batch}, {'?' if epochs is None else int(epochs)} epochs on {t.get('device') or '?'}")
        print(f"{'train samples/s (last epoch)':<40}{fmt(train_rate, 1, MISSING):>12}")
        print(f"{'train samples/s (first epoch, compiles)':<40}{fmt(t.get('first_epoch_samples_per_s'), 1, MISSING):>12}")
        print(f"{'bench samples/s':<40}{fmt(bench_rate, 1, MISSING):>12}")
        share_text = MISSING if share is None else f"{share * 100:.1f} %"
        print(f"{'train / bench':<40}{share_text:>14}{verdict}")
        wait, wait_share = num(t.get("data_wait_s")), num(t.get("data_wait_share"))
        wait_text = "n/a" if wait is None else f"{wait:.1f} s" + ("" if wait_share is None else f" ({wait_share:.0%} of the epoch's training time)")
        print(f"{'data wait (last epoch)':<40}{wait_text:>12}")
        gib = 2 ** -30
        print(f"{'peak memory GiB: train (nvidia-smi)':<40}{fmt(cell(t, 'peak_device_memory_bytes', gib), 2, 'n/a'):>12}"
              f"   bench (pool in use) {fmt(cell(bench, 'peak_memory_bytes', gib), 2, MISSING)},"
              f" PyTorch strict (max_memory_allocated) {fmt(cell(torch_strict, 'peak_memory_bytes', gib), 2, MISSING)}")


def compile_table(docs):
    if not docs.compiles:
        return
    print("\n== kernel compilation (ILGPU compiles every kernel afresh in each process)")
    for name, doc in docs.compiles:
        kernels = num(doc.get("compiled_kernels"))
        print(f"{name:<28}{'-' if kernels is None else int(kernels):>6} kernels {num(doc.get('compile_s')):8.1f} s")


def kernel_table(docs):
    ours, torch_doc = docs.kernels_ours, docs.kernels_torch
    if ours is None and torch_doc is None:
        return
    rows = [k for k in (ours or {}).get("kernels", []) if isinstance(k, dict) and "Kernel" in k]
    theirs = {k: v for k, v in torch_doc["kernels"].items() if isinstance(v, dict)} if torch_doc else {}
    print(f"\n== kernels: ILGpuNet on {(ours or {}).get('device', MISSING)}" + (f" vs PyTorch {torch_doc.get('torch')}" if torch_doc else ""))
    if ours is None:
        print("ours: missing (no kernelbench JSON); PyTorch's figures alone")
    print(f"{'kernel':<26}{'ours ms':>10}{'ours rate':>11}{'unit':>9}{'of roofline':>13}{'torch ms':>10}{'torch/ours':>12}")
    for k in rows:
        t = theirs.get(k["Kernel"]) or {}
        share = num(k.get("RooflineShare"))  # .NET writes NaN as the string "NaN"
        print(f"{k['Kernel']:<26}{fmt(k.get('MedianMs'), 3, MISSING):>10}{fmt(k.get('Rate'), 1, MISSING):>11}{str(k.get('Unit', '')):>9}"
              f"{'-' if share is None else f'{share:.0%}':>13}{fmt(t.get('ms'), 3):>10}{fmt(ratio(t.get('ms'), k.get('MedianMs'))):>12}")
    listed = {k["Kernel"] for k in rows}
    for name, t in theirs.items():
        if name not in listed:
            print(f"{name:<26}{MISSING:>10}{'':>11}{str(t.get('unit', '')):>9}{'':>13}{fmt(t.get('ms'), 3):>10}{'-':>12}")


def main(argv):
    if argv and argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    docs = load(argv)
    if docs.roofline:
        print(f"roofline: {docs.roofline['bandwidth_gbps']:.1f} GB/s, {docs.roofline['fp32_gflops']:.1f} GFLOP/s FP32")
    model_table(docs)
    train_table(docs)
    kernel_table(docs)
    compile_table(docs)
    if not (docs.benches or docs.trains or docs.kernels_ours or docs.kernels_torch or docs.roofline or docs.compiles):
        print("nothing to compare")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
