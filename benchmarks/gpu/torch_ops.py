#!/usr/bin/env python3
"""PyTorch peer of `ilgpunet opbench`: the 3D EfficientNet's operators at the reference shapes
(input 91x109x91), the same op list, shapes and work counts as src/Training/Bench/OpBench.cs, batch 1 and 8,
forward and backward.

Forward under no_grad; backward timed alone, its forward run untimed before each repeat, gradients
reset to None (as an activation's start). CUDA events, median of repeats after warm-up (perf_counter on
the CPU). Runs twice: strict FP32 (TF32 off for cuDNN and matmul) and PyTorch's defaults. Prints the
opbench columns; with --ours (opbench --json) also the time ratios PyTorch / ILGpuNet per op.
`--device cpu` runs the same on the CPU (a dry run of the script).
"""
import argparse, json, os, statistics, sys, time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchjson import fmt, load as load_json, ratio  # noqa: E402

G = 1e9


def cases(b, dev):
    """(op, shape, make inputs, forward, forward work, backward work, unit); mirrors OpBench.Cases."""
    def inp(*shape, grad=True):
        return torch.randn(*shape, device=dev).requires_grad_(grad)

    def weight(*shape):
        return (torch.rand(*shape, device=dev) * 0.2 - 0.1).requires_grad_(True)

    def full(n, v, grad=True):
        return torch.full((n,), v, device=dev).requires_grad_(grad)

    stem_out = b * 64 * 46 * 55 * 46 * 4
    yield ("copy (roofline)", f"{b}x64x46x55x46", lambda: [inp(b, 64, 46, 55, 46, grad=False)],
           lambda t: t[0].clone(), 2.0 * stem_out / G, 0, "GB/s")
    stem = b * 64 * 46 * 55 * 46 * 343
    yield ("conv3d stem 7x7x7 s2", f"{b}x1x91x109x91 -> 64x46x55x46",
           lambda: [inp(b, 1, 91, 109, 91, grad=False), weight(64, 1, 7, 7, 7)],
           lambda t: F.conv3d(t[0], t[1], None, 2, 3), 2.0 * stem / G, 2.0 * stem / G, "GFLOP/s")
    yield ("batchnorm3d+silu (train)", f"{b}x64x46x55x46",
           lambda: [inp(b, 64, 46, 55, 46), full(64, 1.0), full(64, 0.0), full(64, 0.0, False), full(64, 1.0, False)],
           lambda t: F.silu(F.batch_norm(t[0], t[3], t[4], t[1], t[2], training=True, momentum=0.1, eps=1e-5)),
           2.0 * stem_out / G, 3.0 * stem_out / G, "GB/s")
    pool_out = b * 64 * 23 * 28 * 23 * 4
    yield ("maxpool3d k1 s2", f"{b}x64x46x55x46", lambda: [inp(b, 64, 46, 55, 46)],
           lambda t: F.max_pool3d(t[0], 1, 2), 2.0 * pool_out / G, (pool_out + stem_out) / G, "GB/s")
    dw3 = b * 64 * 23 * 28 * 23 * 27
    yield ("depthwise 3x3x3 s1", f"{b}x64x23x28x23", lambda: [inp(b, 64, 23, 28, 23), weight(64, 1, 3, 3, 3)],
           lambda t: F.conv3d(t[0], t[1], None, 1, 1, 1, 64), 2.0 * dw3 / G, 4.0 * dw3 / G, "GFLOP/s")
    dw5 = b * 64 * 12 * 14 * 12 * 125
    yield ("depthwise 5x5x5 s2", f"{b}x64x23x28x23", lambda: [inp(b, 64, 23, 28, 23), weight(64, 1, 5, 5, 5)],
           lambda t: F.conv3d(t[0], t[1], None, 2, 2, 1, 64), 2.0 * dw5 / G, 4.0 * dw5 / G, "GFLOP/s")
    dw5s1 = b * 128 * 6 * 7 * 6 * 125
    yield ("depthwise 5x5x5 s1", f"{b}x128x6x7x6", lambda: [inp(b, 128, 6, 7, 6), weight(128, 1, 5, 5, 5)],
           lambda t: F.conv3d(t[0], t[1], None, 1, 2, 1, 128), 2.0 * dw5s1 / G, 4.0 * dw5s1 / G, "GFLOP/s")
    pw = b * 96 * 64 * 12 * 14 * 12
    yield ("conv3d 1x1x1 64->96", f"{b}x64x12x14x12", lambda: [inp(b, 64, 12, 14, 12), weight(96, 64, 1, 1, 1)],
           lambda t: F.conv3d(t[0], t[1]), 2.0 * pw / G, 4.0 * pw / G, "GFLOP/s")
    expand = b * 1536 * 256 * 3 * 4 * 3
    yield ("conv3d 1x1x1 256->1536", f"{b}x256x3x4x3", lambda: [inp(b, 256, 3, 4, 3), weight(1536, 256, 1, 1, 1)],
           lambda t: F.conv3d(t[0], t[1]), 2.0 * expand / G, 4.0 * expand / G, "GFLOP/s")
    se = b * 64 * 23 * 28 * 23 * 4

    def squeeze_excitation(t):
        x, w1, b1, w2, b2 = t
        s = F.adaptive_avg_pool3d(x, 1)
        return x * torch.sigmoid(F.conv3d(F.silu(F.conv3d(s, w1, b1)), w2, b2))
    yield ("squeeze-excitation 64/16", f"{b}x64x23x28x23",
           lambda: [inp(b, 64, 23, 28, 23), weight(16, 64, 1, 1, 1), weight(16), weight(64, 16, 1, 1, 1), weight(64)],
           squeeze_excitation, 3.0 * se / G, 4.0 * se / G, "GB/s")
    linear = b * 4608 * 400
    yield ("linear 4608->400", f"{b}x4608", lambda: [inp(b, 4608), weight(400, 4608), weight(400)],
           lambda t: F.linear(t[0], t[1], t[2]), 2.0 * linear / G, 4.0 * linear / G, "GFLOP/s")


def sync(dev):
    if dev == "cuda":
        torch.cuda.synchronize()


def median_ms(run, before, dev, repeats):
    """Median milliseconds of run(), with before() untimed ahead of each repeat (2 warm-up runs first)."""
    for _ in range(2):
        before()
        run()
    sync(dev)
    times = []
    for _ in range(repeats):
        before()
        if dev == "cuda":
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record(); run(); end.record()
            torch.cuda.synchronize()
            times.append(start.elapsed_time(end))
        else:
            t = time.perf_counter(); run(); times.append((time.perf_counter() - t) * 1e3)
    return statistics.median(times)


def measure(case, batch, dev, repeats):
    op, shape, make, forward, fwork, bwork, unit = case
    t = make()
    with torch.no_grad():
        dy = torch.randn_like(forward(t))
    del_grads = lambda: [setattr(p, "grad", None) for p in t if p.requires_grad]

    def fwd():
        with torch.no_grad():
            forward(t)
    fms = median_ms(fwd, lambda: None, dev, repeats)
    bms = float("nan")
    if bwork > 0:
        state = {}

        def record():
            del_grads()
            state["y"] = forward(t)
            sync(dev)
        bms = median_ms(lambda: state["y"].backward(dy), record, dev, repeats)
    rate = lambda work, ms: work / (ms * 1e-3) if ms == ms and work > 0 else float("nan")
    return {"Op": op, "Shape": shape, "Batch": batch, "ForwardMs": fms, "BackwardMs": bms,
            "ForwardRate": rate(fwork, fms), "BackwardRate": rate(bwork, bms), "Unit": unit}


def compare_cells(r, o):
    """The ratio columns of one row (PyTorch time / ours: above 1 means ILGpuNet is faster), also kept in r;
    "missing" where our row or one of its figures is absent or NaN."""
    if not o:
        return f"{'ours: missing':>19}"
    r["ForwardRatio"] = ratio(r["ForwardMs"], o.get("ForwardMs"))
    r["BackwardRatio"] = ratio(r["BackwardMs"], o.get("BackwardMs"))
    return f"{fmt(r['ForwardRatio'], 2, 'missing'):>9} {fmt(r['BackwardRatio'], 2, 'missing'):>9}"


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--device", default="cuda")
    p.add_argument("--batch", default="1,8", help="comma-separated batch sizes")
    p.add_argument("--op", help="only ops whose name contains this text")
    p.add_argument("--repeats", type=int, default=10)
    p.add_argument("--json", help="also write the figures to this JSON file")
    p.add_argument("--ours", help="`ilgpunet opbench --json` output to compare with")
    a = p.parse_args()
    dev = a.device
    batches = [int(x) for x in a.batch.split(",") if x]
    # Ours may be missing (opbench skipped or failed) or hold NaN: PyTorch's figures are printed regardless.
    ours_doc = load_json(a.ours, "ours") if a.ours else None
    ours = {(r.get("Op"), r.get("Batch")): r for r in (ours_doc or {}).get("ops") or [] if isinstance(r, dict)}
    modes = [("strict fp32", False), ("defaults", None)]
    doc = {"device": torch.cuda.get_device_name() if dev == "cuda" else "cpu", "torch": torch.__version__, "modes": {}}
    for mode, tf32 in modes:
        if tf32 is None:
            torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32 = defaults
        else:
            defaults = (torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32)
            torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = tf32
        print(f"torch_ops on {doc['device']}, PyTorch {torch.__version__}, {mode} "
              f"(cudnn.allow_tf32={torch.backends.cudnn.allow_tf32}, matmul.allow_tf32={torch.backends.cuda.matmul.allow_tf32})")
        print(f"{'op':<28} {'shape':<32} {'fwd ms':>9} {'bwd ms':>9} {'fwd rate':>9} {'bwd rate':>9} {'unit':<8}"
              + (f" {'fwd ratio':>9} {'bwd ratio':>9}" if a.ours else ""), flush=True)
        rows = []
        for b in batches:
            for case in cases(b, dev):
                if a.op and a.op.lower() not in case[0].lower():
                    continue
                try:
                    r = measure(case, b, dev, a.repeats)
                except RuntimeError as e:  # device memory at this shape: the other ops still report
                    print(f"{case[0]:<28} {case[1]:<32} FAILED: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}", flush=True)
                    continue
                rows.append(r)
                line = (f"{r['Op']:<28} {r['Shape']:<32} {r['ForwardMs']:9.3f} {r['BackwardMs']:9.3f} "
                        f"{r['ForwardRate']:9.1f} {r['BackwardRate']:9.1f} {r['Unit']:<8}")
                if a.ours:
                    line += " " + compare_cells(r, ours.get((r["Op"], b)))
                print(line, flush=True)
                if dev == "cuda":
                    torch.cuda.empty_cache()
        doc["modes"][mode] = rows
    if a.json:
        with open(a.json, "w") as f:
            json.dump(doc, f, indent=2)


if __name__ == "__main__":
    main()
