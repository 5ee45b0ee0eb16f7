#!/usr/bin/env python3
"""PyTorch peer of `ilgpunet kernelbench`: the same kernels on the same card in the same run.

Times with CUDA events (median of repeats after warm-up). GEMM in strict FP32 (TF32 off) and with
PyTorch's TF32 on. Prints one comparison table against ILGpuNet's JSON when --ours is given.
"""
import argparse, json, os, statistics, sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchjson import fmt, load as load_json, ratio  # noqa: E402


def median_ms(fn, repeats):
    for _ in range(3):
        fn()
    if DEVICE == "cuda":
        torch.cuda.synchronize()
        times = []
        for _ in range(repeats):
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record(); fn(); end.record()
            torch.cuda.synchronize()
            times.append(start.elapsed_time(end))
        return statistics.median(times)
    import time
    times = []
    for _ in range(repeats):
        t = time.perf_counter(); fn(); times.append((time.perf_counter() - t) * 1e3)
    return statistics.median(times)


def comparison_line(name, r, ours):
    """One row: PyTorch's figures, ours ("missing" when absent or NaN) and the time ratio torch / ours."""
    mine = ours.get(name)
    if mine is None and name.endswith(" (tf32)"):
        mine = ours.get(name[:-7])
    mine = mine or {}
    ours_ms, ours_rate = fmt(mine.get("MedianMs"), 3, "missing"), fmt(mine.get("Rate"), 1, "")
    return (f"{name:<28}{r['ms']:>10.3f}{r['rate']:>12.1f}{ours_ms:>10}{ours_rate:>12}{r['unit']:>9}"
            f"{fmt(ratio(r['ms'], mine.get('MedianMs')), 2, ''):>17}")


def main():
    global DEVICE
    p = argparse.ArgumentParser()
    p.add_argument("--device", default="cuda")
    p.add_argument("--elements", type=int, default=64 << 20)
    p.add_argument("--gemm", type=int, default=4096)
    p.add_argument("--repeats", type=int, default=20)
    p.add_argument("--json")
    p.add_argument("--ours", help="ILGpuNet kernelbench JSON to compare with")
    a = p.parse_args()
    DEVICE = a.device
    n = a.elements
    x = torch.rand(n, device=DEVICE) * 2 - 1
    y = torch.rand(n, device=DEVICE) * 2 - 1
    z = torch.empty(n, device=DEVICE)
    b = 4 * n
    rows = {}

    def mem(name, ms, nbytes):
        rows[name] = {"ms": ms, "rate": nbytes / (ms * 1e-3) / 1e9, "unit": "GB/s"}

    mem("copy (device to device)", median_ms(lambda: z.copy_(x), a.repeats), 2 * b)
    mem("silu forward", median_ms(lambda: torch.nn.functional.silu(x, inplace=False), a.repeats), 2 * b)
    mem("silu backward", median_ms(lambda: torch.ops.aten.silu_backward(y, x), a.repeats), 3 * b)
    mem("add", median_ms(lambda: torch.add(x, y, out=z), a.repeats), 3 * b)
    mem("axpby", median_ms(lambda: z.mul_(0.25).add_(x, alpha=0.5), a.repeats), 3 * b)
    mem("sum", median_ms(lambda: x.sum(), a.repeats), b)
    mem("channel sum (64 ch)", median_ms(lambda: x.view(64, -1).sum(1), a.repeats), b)
    if a.gemm > 0:
        g = a.gemm
        ma = torch.rand(g, g, device=DEVICE) - 0.5
        mb = torch.rand(g, g, device=DEVICE) - 0.5
        flops = 2.0 * g ** 3
        for tf32 in (False, True):
            if DEVICE == "cuda":
                torch.backends.cuda.matmul.allow_tf32 = tf32
            elif tf32:
                continue
            suffix = " (tf32)" if tf32 else ""
            for name, fa, fb in (("gemm NN", ma, mb), ("gemm NT", ma, mb.t()), ("gemm TN", ma.t(), mb)):
                ms = median_ms(lambda: torch.mm(fa, fb), a.repeats)
                rows[name + suffix] = {"ms": ms, "rate": flops / (ms * 1e-3) / 1e9, "unit": "GFLOP/s"}
        torch.backends.cuda.matmul.allow_tf32 = False
    doc = {"device": torch.cuda.get_device_name() if DEVICE == "cuda" else "cpu", "torch": torch.__version__, "kernels": rows}
    if a.json:
        with open(a.json, "w") as f:
            json.dump(doc, f, indent=2)
    # Ours may be missing (kernelbench skipped or failed) or hold NaN: PyTorch's figures are printed regardless.
    ours_doc = load_json(a.ours, "ours") if a.ours else None
    ours = {k.get("Kernel"): k for k in (ours_doc or {}).get("kernels") or [] if isinstance(k, dict)}
    print(f"\nPyTorch {torch.__version__} on {doc['device']} vs ILGpuNet ({a.elements:,} floats, gemm {a.gemm})")
    print(f"{'kernel':<28}{'torch ms':>10}{'torch rate':>12}{'ours ms':>10}{'ours rate':>12}{'unit':>9}{'torch/ours time':>17}")
    for name, r in rows.items():
        print(comparison_line(name, r, ours))
    return 0


if __name__ == "__main__":
    sys.exit(main())
