#!/usr/bin/env python3
"""The reference 3D EfficientNet of ENGINEERING.md in PyTorch, and a benchmark of its training step.

Module and attribute names follow the reference exactly, so state_dict names are the ones our checkpoints
use (first_layer.cnn.weight, features.{i}.depthwise_conv.bn.*, features.{i}.se.se.1.weight, classifier.1.weight,
...). At 2 classes and 91x109x91 the model has 9,187,226 parameters (checked on construction).

Benchmark: a training step is forward, cross-entropy loss, backward and an Adam step on one fixed random batch
(data loading is not timed); inference is an eval-mode forward under torch.inference_mode(). Warm-up steps
first (cudnn.benchmark picks its algorithms there), then timed steps with CUDA events; the median is reported.
--precision strict turns TF32 off for cuDNN and matmul (the FP32 arithmetic ILGpuNet does); default keeps
PyTorch's defaults. --profile adds a per-op-kind breakdown from torch.profiler. JSON schema: README.md here.

  python3 benchmarks/gpu/torch_model.py --batch 32,8 --precision strict --json 'torch-strict-b{batch}.json'
  python3 benchmarks/gpu/torch_model.py --device cpu --grid 32x40x32 --batch 1 --warmup 1 --steps 2   # dry run
"""
import argparse, json, math, os, statistics, sys, tempfile, time

import torch
import torch.nn.functional as F
from torch import nn

REFERENCE_GRID = (91, 109, 91)
REFERENCE_PARAMETERS = 9_187_226  # at 2 classes and REFERENCE_GRID (ENGINEERING.md)

# (kernel, stride, in, out, repeats) of the expand_ratio-1 stages, then MBConv3d(256, 512, k=1, expand_ratio 6).
STAGES = [(3, 1, 64, 64, 1), (5, 2, 64, 96, 1), (5, 2, 96, 128, 2), (5, 2, 128, 192, 3), (3, 1, 192, 256, 1)]


class CNNBlock3d(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, groups=1, act=True, bn=True, bias=False):
        super().__init__()
        self.cnn = nn.Conv3d(in_channels, out_channels, kernel_size, stride, padding, groups=groups, bias=bias)
        self.bn = nn.BatchNorm3d(out_channels) if bn else nn.Identity()
        self.silu = nn.SiLU() if act else nn.Identity()

    def forward(self, x):
        return self.silu(self.bn(self.cnn(x)))


class SqueezeExcitation(nn.Module):
    def __init__(self, in_channels, reduced_dim):
        super().__init__()
        self.se = nn.Sequential(
            nn.AdaptiveAvgPool3d(1),
            nn.Conv3d(in_channels, reduced_dim, 1),
            nn.SiLU(),
            nn.Conv3d(reduced_dim, in_channels, 1),
            nn.Sigmoid(),
        )

    def forward(self, x):
        return x * self.se(x)


class StochasticDepth(nn.Module):
    """Keeps each sample's branch with probability p (scaled by 1/p) in training; identity in eval."""

    def __init__(self, p=0.8):
        super().__init__()
        self.p = p

    def forward(self, x):
        if not self.training:
            return x
        keep = torch.rand(x.shape[0], 1, 1, 1, 1, device=x.device) < self.p
        return torch.div(x, self.p) * keep


class MBConv3d(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, expand_ratio=6, reduction=4):
        super().__init__()
        self.use_residual = in_channels == out_channels and stride == 1
        hidden_dim = in_channels * expand_ratio
        reduced_dim = int(in_channels / reduction)
        self.expand = CNNBlock3d(in_channels, hidden_dim, 1) if expand_ratio != 1 else None
        self.depthwise_conv = CNNBlock3d(hidden_dim, hidden_dim, kernel_size, stride, padding, groups=hidden_dim)
        self.se = SqueezeExcitation(hidden_dim, reduced_dim)
        self.pointwise_conv = CNNBlock3d(hidden_dim, out_channels, 1, act=False)
        self.stochastic_depth = StochasticDepth()

    def forward(self, inputs):
        x = self.expand(inputs) if self.expand is not None else inputs
        x = self.pointwise_conv(self.se(self.depthwise_conv(x)))
        if self.use_residual:
            return self.stochastic_depth(x) + inputs
        return x


def conv_out(n, kernel, stride, padding):
    return (n + 2 * padding - kernel) // stride + 1


def feature_grid(grid):
    """Spatial size of the last feature map: 3x4x3 for 91x109x91."""
    dims = [conv_out(conv_out(n, 7, 2, 3), 1, 2, 0) for n in grid]  # stem, then MaxPool3d(1, stride 2)
    for kernel, stride, _, _, _ in STAGES:
        dims = [conv_out(n, kernel, stride, kernel // 2) for n in dims]  # only the first block of a stage strides
    return dims


class EfficientNet3d(nn.Module):
    def __init__(self, num_classes=2, grid=REFERENCE_GRID):
        super().__init__()
        self.first_layer = CNNBlock3d(1, 64, 7, stride=2, padding=3)
        self.pool = nn.MaxPool3d(1, 2)
        blocks = []
        for kernel, stride, in_channels, out_channels, repeats in STAGES:
            for r in range(repeats):
                blocks.append(MBConv3d(in_channels if r == 0 else out_channels, out_channels, kernel,
                                       stride if r == 0 else 1, kernel // 2, expand_ratio=1))
        blocks.append(MBConv3d(256, 512, 1, 1, 0))
        self.features = nn.Sequential(*blocks)
        # The reference has no activation between the Linear layers (ENGINEERING.md): kept as it is.
        self.classifier = nn.Sequential(
            nn.Dropout(0.1),
            nn.Linear(512 * math.prod(feature_grid(grid)), 400),
            nn.Linear(400, 64),
            nn.Linear(64, num_classes),
        )

    def forward(self, x):
        x = self.features(self.pool(self.first_layer(x)))
        return self.classifier(torch.flatten(x, 1))


def expected_state_dict_names():
    """The state_dict names ENGINEERING.md lists (CNNBlock3d's BatchNorm included for the expand block)."""
    bn = ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    names = ["first_layer.cnn.weight"] + [f"first_layer.bn.{b}" for b in bn]
    for i in range(9):
        p = f"features.{i}"
        if i == 8:  # the only block with expand_ratio != 1
            names += [f"{p}.expand.cnn.weight"] + [f"{p}.expand.bn.{b}" for b in bn]
        names += [f"{p}.depthwise_conv.cnn.weight"] + [f"{p}.depthwise_conv.bn.{b}" for b in bn]
        names += [f"{p}.se.se.{j}.{w}" for j in (1, 3) for w in ("weight", "bias")]
        names += [f"{p}.pointwise_conv.cnn.weight"] + [f"{p}.pointwise_conv.bn.{b}" for b in bn]
    names += [f"classifier.{j}.{w}" for j in (1, 2, 3) for w in ("weight", "bias")]
    return names


def build_model(classes, grid):
    model = EfficientNet3d(classes, grid)
    names = list(model.state_dict().keys())
    assert sorted(names) == sorted(expected_state_dict_names()), "state_dict names differ from ENGINEERING.md"
    parameters = sum(p.numel() for p in model.parameters())
    if classes == 2 and tuple(grid) == REFERENCE_GRID:
        assert parameters == REFERENCE_PARAMETERS, f"{parameters:,} parameters, expected {REFERENCE_PARAMETERS:,}"
    return model, parameters


# ---- per-op-kind breakdown (torch.profiler) -------------------------------------------------------------

KINDS = ["conv3d", "depthwise_conv3d", "batchnorm", "activation", "pooling", "linear", "elementwise", "loss", "optimizer", "other"]
ELEMENTWISE = {"add", "mul", "div", "sub", "copy", "fill", "zero", "lt", "uniform", "rand", "bernoulli", "where", "clone",
               "dropout", "native_dropout", "native_dropout_backward", "addcmul", "addcdiv", "sqrt", "lerp", "neg", "masked_fill"}


def op_kind(name, shapes):
    """Maps an aten op (and its input shapes) to one of KINDS. A convolution is depthwise when exactly one 5-D
    operand has one channel per group (its weight C x 1 x k x k x k): the stem's input has one channel too."""
    op = name.split("::")[-1].lower()
    base = op.rstrip("_")
    if op.startswith("_foreach") or "adam" in op:
        return "optimizer"
    if "batch_norm" in op:
        return "batchnorm"
    if "conv" in op:
        single = sum(1 for s in shapes if isinstance(s, (list, tuple)) and len(s) == 5 and s[1] == 1)
        return "depthwise_conv3d" if single == 1 else "conv3d"
    if "pool" in op or base == "mean":
        return "pooling"
    if any(a in op for a in ("silu", "sigmoid", "relu", "gelu")):
        return "activation"
    if base in ("mm", "addmm", "bmm", "linear", "matmul"):
        return "linear"
    if "softmax" in op or "nll_loss" in op or "cross_entropy" in op:
        return "loss"
    if base in ELEMENTWISE:
        return "elementwise"
    return "other"


def profile_breakdown(step, steps, cuda):
    """ms per step by op kind: each aten op's self device time (CUDA) or self CPU time (CPU), summed by kind;
    and the kernel launches per step (device kernel events, memcpy/memset not counted; None on the CPU)."""
    from torch.profiler import ProfilerActivity, profile
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if cuda else [])
    with profile(activities=activities, record_shapes=True) as prof:
        for _ in range(steps):
            step()
        if cuda:
            torch.cuda.synchronize()
    totals = {k: 0.0 for k in KINDS}
    launches = 0
    for e in prof.key_averages(group_by_input_shape=True):
        if getattr(e, "device_type", torch.autograd.DeviceType.CPU) != torch.autograd.DeviceType.CPU:
            if not e.key.startswith(("Memcpy", "Memset")):
                launches += e.count
            continue  # kernel rows repeat the time their op already carries as self device time
        if cuda:
            us = getattr(e, "self_device_time_total", None)
            if us is None:
                us = e.self_cuda_time_total
        else:
            us = e.self_cpu_time_total
        if us > 0 and not e.key.startswith("ProfilerStep"):
            totals[op_kind(e.key, e.input_shapes or [])] += us / 1e3 / steps
    total = sum(totals.values()) or 1.0
    breakdown = [{"op": k, "ms": totals[k], "share": totals[k] / total} for k in KINDS if totals[k] > 0]
    return breakdown, (launches / steps if cuda else None)


# ---- benchmark ---------------------------------------------------------------------------------------------

def timed(fn, steps, warmup, cuda):
    """Per-step milliseconds after warm-up: CUDA events around each step, or wall clock on the CPU."""
    for _ in range(warmup):
        fn()
    if cuda:
        torch.cuda.synchronize()
    times = []
    for _ in range(steps):
        if cuda:
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            fn()
            end.record()
            end.synchronize()
            times.append(start.elapsed_time(end))
        else:
            t = time.perf_counter()
            fn()
            times.append((time.perf_counter() - t) * 1e3)
    return times


def set_precision(precision, cuda):
    torch.backends.cudnn.benchmark = True
    if precision == "strict":
        torch.backends.cudnn.allow_tf32 = False
        torch.backends.cuda.matmul.allow_tf32 = False
    if not cuda:
        return {}
    try:  # recorded as set; newer releases may refuse to read the legacy flags in some configurations
        return {"cudnn_allow_tf32": torch.backends.cudnn.allow_tf32, "matmul_allow_tf32": torch.backends.cuda.matmul.allow_tf32,
                "cudnn_benchmark": torch.backends.cudnn.benchmark}
    except RuntimeError as e:
        return {"precision_flags_error": str(e)}


def parse_grid(text):
    try:
        dims = tuple(int(v) for v in text.lower().split("x"))
    except ValueError:
        dims = ()
    if len(dims) != 3 or min(dims) < 1:
        raise SystemExit(f"error: --grid expects DxHxW such as 91x109x91, got '{text}'")
    return dims


def write_json(path, doc):
    """Atomic write: a temporary file in the same folder, then a rename."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
    with os.fdopen(fd, "w") as f:
        json.dump(doc, f, indent=2)
    os.replace(tmp, path)


def parse_batches(text):
    try:
        batches = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        batches = []
    if not batches or min(batches) < 1:
        raise SystemExit(f"error: --batch expects comma-separated sizes >= 1 such as 32,8, got '{text}'")
    return batches


def bench(a, grid, batch, cuda, flags):
    """The figures of one batch size (JSON schema in README.md here): a fresh model, optimizer and batch."""
    torch.manual_seed(0)
    model, parameters = build_model(a.classes, grid)
    model = model.to(a.device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    x = torch.randn(batch, 1, *grid, device=a.device)
    y = torch.randint(0, a.classes, (batch,), device=a.device)

    def train_step():
        optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()

    def inference():
        with torch.inference_mode():
            model(x)

    if cuda:
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
    model.train()
    train_ms = timed(train_step, a.steps, a.warmup, cuda)
    peak = torch.cuda.max_memory_allocated() if cuda else None
    reserved = torch.cuda.max_memory_reserved() if cuda else None
    breakdown, launches = profile_breakdown(train_step, min(a.steps, 3), cuda) if a.profile else (None, None)
    model.eval()
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    infer_ms = timed(inference, a.steps, a.warmup, cuda)
    infer_peak = torch.cuda.max_memory_allocated() if cuda else None

    train_median, infer_median = statistics.median(train_ms), statistics.median(infer_ms)
    doc = {
        "engine": "pytorch",
        "torch": torch.__version__,
        "device": torch.cuda.get_device_name() if cuda else "cpu",
        "precision": a.precision,
        **flags,
        "grid": list(grid),
        "batch": batch,
        "classes": a.classes,
        "parameters": parameters,
        "warmup": a.warmup,
        "steps": a.steps,
        "train_step_ms_median": train_median,
        "train_step_ms": train_ms,
        "samples_per_s": batch / (train_median * 1e-3),
        "inference_ms_median": infer_median,
        "inference_samples_per_s": batch / (infer_median * 1e-3),
        "peak_memory_bytes": peak,
        "peak_reserved_bytes": reserved,
        "inference_peak_memory_bytes": infer_peak,
    }
    if breakdown is not None:
        doc["breakdown"] = breakdown
        doc["launches_per_step"] = launches
    print(f"PyTorch {torch.__version__} on {doc['device']}, {a.precision} precision, batch {batch}, grid {a.grid}, "
          f"{parameters:,} parameters")
    print(f"  train step {train_median:9.2f} ms  ({doc['samples_per_s']:.1f} samples/s)")
    print(f"  inference  {infer_median:9.2f} ms  ({doc['inference_samples_per_s']:.1f} samples/s)")
    if peak is not None:
        print(f"  peak memory {peak / 2**30:.2f} GiB allocated ({reserved / 2**30:.2f} GiB reserved), inference {infer_peak / 2**30:.2f} GiB")
    if launches is not None:
        print(f"  kernel launches per training step: {launches:.0f}")
    for row in breakdown or []:
        print(f"  {row['op']:<18}{row['ms']:9.2f} ms {row['share']:7.1%}")
    return doc


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--device", choices=["cuda", "cpu"], default="cuda")
    p.add_argument("--batch", default="8", help="samples per step; comma-separated sizes (32,8) run one after another")
    p.add_argument("--grid", default="91x109x91", help="input size DxHxW")
    p.add_argument("--classes", type=int, default=2)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--precision", choices=["strict", "default"], default="strict")
    p.add_argument("--profile", action="store_true", help="add a per-op-kind breakdown and the launches of a training step")
    p.add_argument("--json", help="write the figures to this file; with several batch sizes its name must hold {batch}")
    a = p.parse_args()
    grid = parse_grid(a.grid)
    batches = parse_batches(a.batch)
    if a.steps < 1 or a.warmup < 0 or a.classes < 1:
        raise SystemExit("error: --steps and --classes must be >= 1, --warmup >= 0")
    if a.json and len(batches) > 1 and "{batch}" not in a.json:
        raise SystemExit("error: --json: with several batch sizes the file name must hold {batch}")
    cuda = a.device == "cuda"
    if cuda and not torch.cuda.is_available():
        raise SystemExit("error: --device cuda but torch.cuda.is_available() is False")
    flags = set_precision(a.precision, cuda)
    failed = 0
    for batch in batches:
        try:
            doc = bench(a, grid, batch, cuda, flags)
        except RuntimeError as e:  # torch.cuda.OutOfMemoryError included
            # One batch size failing (device memory) must not cost the others their figures.
            failed += 1
            print(f"batch {batch} FAILED: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}", flush=True)
            continue
        if a.json:
            write_json(a.json.replace("{batch}", str(batch)), doc)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
