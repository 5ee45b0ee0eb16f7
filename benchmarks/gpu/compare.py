#!/usr/bin/env python3
"""One comparison table from the GPU script's JSON files: ILGpuNet against PyTorch (strict FP32 and defaults).

  python3 benchmarks/gpu/compare.py OUT/*.json

Each file is recognised by its fields (schemas in README.md here):
  model benchmark  `ilgpunet bench --json` or torch_model.py --json: train_step_ms_median, ...
  roofline         `ilgpunet roofline --json`: {"roofline": {"bandwidth_gbps", "fp32_gflops", ...}}
  kernels          `ilgpunet kernelbench --json` (a list of kernels) or torch_kernels.py --json (a dict)
Missing files are reported and skipped, so a run where some steps were skipped still gets its table.
Needs only the Python standard library (no PyTorch).
"""
import json, math, os, sys

# (kernel, stride, in, out, repeats) of the reference model's expand_ratio-1 stages (torch_model.py, ENGINEERING.md).
STAGES = [(3, 1, 64, 64, 1), (5, 2, 64, 96, 1), (5, 2, 96, 128, 2), (5, 2, 128, 192, 3), (3, 1, 192, 256, 1)]


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


def load(paths):
    benches, roofline, kernels_ours, kernels_torch = [], None, None, None
    for path in paths:
        if not os.path.exists(path):
            print(f"missing (step skipped or failed): {path}")
            continue
        try:
            with open(path) as f:
                doc = json.load(f)
        except (OSError, ValueError) as e:
            print(f"unreadable, skipped: {path}: {e}")
            continue
        if "train_step_ms_median" in doc:
            doc["engine"] = doc.get("engine") or ("pytorch" if "torch" in doc else "ilgpunet")
            doc["precision"] = doc.get("precision") or "strict"
            doc["grid"] = parse_grid(doc.get("grid"))
            benches.append(doc)
        elif isinstance(doc.get("kernels"), list):
            kernels_ours = doc
            roofline = roofline or doc.get("roofline")
        elif isinstance(doc.get("kernels"), dict):
            kernels_torch = doc
        elif "roofline" in doc:
            roofline = doc["roofline"]
        else:
            print(f"not a benchmark file, skipped: {path}")
    return benches, roofline, kernels_ours, kernels_torch


def parse_grid(grid):
    if isinstance(grid, str):
        return tuple(int(v) for v in grid.lower().split("x"))
    return tuple(grid) if grid else None


def fmt(v, digits=2):
    return "-" if v is None else f"{v:.{digits}f}"


def ratio(ours, theirs, higher_is_better=False):
    """How many times better ours is (> 1: ours better), whatever the direction of the metric."""
    if ours in (None, 0) or theirs in (None, 0):
        return None
    return ours / theirs if higher_is_better else theirs / ours


COLUMNS = [("ilgpunet", "strict", "ILGpuNet"), ("pytorch", "strict", "PyTorch strict"), ("pytorch", "default", "PyTorch default")]


def model_table(benches, roofline):
    for grid in sorted({b["grid"] for b in benches if b["grid"]}):
        docs = {(b["engine"], b["precision"], b["batch"]): b for b in benches if b["grid"] == grid}
        batches = sorted({k[2] for k in docs})
        classes = next(iter(docs.values())).get("classes", 2)
        macs, stem = model_macs(grid, classes)
        print(f"\n== 3D EfficientNet, input {'x'.join(map(str, grid))}, {classes} classes "
              f"({macs / 1e9:.2f} G multiply-adds per sample forward)")
        for engine, precision, label in COLUMNS:
            found = [d for (e, p, _), d in docs.items() if e == engine and p == precision]
            if found:
                extra = f", torch {found[0]['torch']}" if "torch" in found[0] else ""
                print(f"   {label}: {found[0].get('device', '?')}{extra}")
        header = f"{'':<34}" + "".join(f"{label:>17}" for _, _, label in COLUMNS) + f"{'strict/ours':>13}{'default/ours':>14}"
        print(header)
        print(f"{'':<34}{'':>51}{'(>1: ours better)':>27}")
        # Training: forward, weight gradients and input gradients (none for the stem, its input needs none).
        rows = [
            ("train step ms", "train_step_ms_median", 1, False, 2),
            ("train samples/s", "samples_per_s", 1, True, 1),
            ("inference ms (per batch)", "inference_ms_median", 1, False, 2),
            ("peak memory GiB (training)", "peak_memory_bytes", 2 ** -30, False, 2),
        ]
        for batch in batches:
            for name, field, scale, higher, digits in rows:
                values = []
                for engine, precision, _ in COLUMNS:
                    d = docs.get((engine, precision, batch))
                    v = d.get(field) if d else None
                    values.append(None if v is None else v * scale)
                line = f"{name + f', batch {batch}':<34}" + "".join(f"{fmt(v, digits):>17}" for v in values)
                line += f"{fmt(ratio(values[0], values[1], higher)):>13}{fmt(ratio(values[0], values[2], higher)):>14}"
                print(line)
            if roofline and roofline.get("fp32_gflops"):
                train_flops = 2.0 * (3 * macs - stem) * batch
                values = []
                for engine, precision, _ in COLUMNS:
                    d = docs.get((engine, precision, batch))
                    ms = d.get("train_step_ms_median") if d else None
                    values.append(None if not ms else train_flops / (ms * 1e-3) / 1e9 / roofline["fp32_gflops"] * 100)
                print(f"{f'train % of FP32 peak, batch {batch}':<34}" + "".join(f"{fmt(v, 1):>17}" for v in values))
        if roofline:
            print(f"(FP32 peak {roofline['fp32_gflops']:.0f} GFLOP/s and {roofline['bandwidth_gbps']:.0f} GB/s measured by "
                  f"ilgpunet roofline; a training step counts 2 x (3 x forward - stem) multiply-adds: TF32 can exceed 100 %)")
        breakdown_table(docs, batches)


def breakdown_table(docs, batches):
    for batch in batches:
        cols = [(label, docs.get((e, p, batch))) for e, p, label in COLUMNS]
        cols = [(label, {r["op"]: r for r in d["breakdown"]}) for label, d in cols if d and d.get("breakdown")]
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
                r = rows.get(kind)
                cells.append(f"{r['ms']:.2f} ({r['share']:.0%})" if r else "-")
            print(f"{kind:<20}" + "".join(f"{c:>22}" for c in cells))


def kernel_table(ours, torch_doc, roofline):
    print(f"\n== kernels: ILGpuNet on {ours.get('device', '?')}" + (f" vs PyTorch {torch_doc.get('torch')}" if torch_doc else ""))
    theirs = torch_doc["kernels"] if torch_doc else {}
    print(f"{'kernel':<26}{'ours ms':>10}{'ours rate':>11}{'unit':>9}{'of roofline':>13}{'torch ms':>10}{'torch/ours':>12}")
    for k in ours["kernels"]:
        t = theirs.get(k["Kernel"])
        share = k.get("RooflineShare")
        valid = isinstance(share, (int, float)) and not math.isnan(share)  # .NET writes NaN as the string "NaN"
        share_text = f"{share:.0%}" if valid else "-"
        print(f"{k['Kernel']:<26}{k['MedianMs']:>10.3f}{k['Rate']:>11.1f}{k['Unit']:>9}{share_text:>13}"
              f"{fmt(t['ms'], 3) if t else '-':>10}{fmt(ratio(k['MedianMs'], t['ms']) if t else None):>12}")


def main(argv):
    if argv and argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    benches, roofline, kernels_ours, kernels_torch = load(argv)
    if roofline:
        print(f"roofline: {roofline['bandwidth_gbps']:.1f} GB/s, {roofline['fp32_gflops']:.1f} GFLOP/s FP32")
    if benches:
        model_table(benches, roofline)
    if kernels_ours:
        kernel_table(kernels_ours, kernels_torch, roofline)
    if not (benches or kernels_ours or roofline):
        print("nothing to compare")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
