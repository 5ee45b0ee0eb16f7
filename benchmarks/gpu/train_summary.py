#!/usr/bin/env python3
"""Figures of an `ilgpunet train` run folder for compare.py: samples/s, data wait, peak memory.

  python3 benchmarks/gpu/train_summary.py RUN_DIR [--memory-log FILE] [--grid DxHxW --batch N] --json train.json

Reads RUN_DIR/metrics.csv (per epoch: samples_per_s; data_wait_s when the trainer writes it), summary.json
and config.json. The last epoch is the steady state (the first one compiles kernels and decodes the data
into the loader's cache). --memory-log is `nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits
-lms N` sampled during the run, its first line taken before the run started: the peak rise over that
level is the run's device memory (CUDA context and the pool's cached blocks included). Whatever is
missing is written as null and printed as n/a. Standard library only.
"""
import argparse, csv, json, os, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchjson import load as load_json, num  # noqa: E402


def read_metrics(path):
    if not os.path.exists(path):
        print(f"train: {path} not found (the run stopped before its first epoch ended)")
        return []
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def column(rows, name):
    return [num(parse_float(r.get(name))) for r in rows]


def parse_float(text):
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def memory_rise_bytes(path):
    """Peak of the sampled device memory over its first sample, in bytes; None without samples."""
    if not path or not os.path.exists(path):
        return None
    values = []
    with open(path) as f:
        for line in f:
            v = parse_float(line.strip().split(",")[0])
            if v is not None:
                values.append(v)
    return (max(values) - values[0]) * 2 ** 20 if len(values) >= 2 else None


def trained_samples(train_scans, batch):
    """Samples of one training epoch: whole batches only (the loader drops the last partial one)."""
    if train_scans is None or batch is None:
        return None
    return (train_scans // batch) * batch if train_scans > batch else train_scans


def summarise(run_dir, memory_log=None, grid=None, batch=None):
    rows = read_metrics(os.path.join(run_dir, "metrics.csv"))
    summary = load_json(os.path.join(run_dir, "summary.json"), "train summary.json") or {}
    config = load_json(os.path.join(run_dir, "config.json"), "train config.json") or {}
    rates = column(rows, "samples_per_s")
    waits = column(rows, "data_wait_s") if rows and "data_wait_s" in rows[0] else []
    batch = int(num(config.get("batch_size")) or batch or 0) or None
    samples = trained_samples(int(num(summary.get("train_scans")) or 0) or None, batch)
    last_rate = rates[-1] if rates else None
    last_wait = waits[-1] if waits else None
    train_seconds = samples / last_rate if samples and last_rate else None
    return {
        "kind": "train",
        "engine": "ilgpunet",
        "device": summary.get("device"),
        "grid": config.get("grid") or grid,
        "batch": batch,
        "epochs": int(num(config.get("epochs"))) if num(config.get("epochs")) is not None else None,
        "epochs_run": len(rows),
        "samples_per_s": last_rate,
        "first_epoch_samples_per_s": rates[0] if rates else None,
        "samples_per_s_epochs": rates,
        "data_wait_s": last_wait,
        "data_wait_share": last_wait / train_seconds if last_wait is not None and train_seconds else None,
        "peak_memory_bytes": num(summary.get("peak_memory_bytes")),
        "peak_device_memory_bytes": memory_rise_bytes(memory_log),
        "train_scans": num(summary.get("train_scans")),
        "wall_s": num(summary.get("wall_seconds")),
    }


def show(value, unit="", digits=1, scale=1.0):
    return "n/a" if value is None else f"{value * scale:.{digits}f}{unit}"


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("run_dir")
    p.add_argument("--memory-log")
    p.add_argument("--grid", help="used when config.json is missing")
    p.add_argument("--batch", type=int, help="used when config.json is missing")
    p.add_argument("--json", required=True)
    a = p.parse_args(argv)
    doc = summarise(a.run_dir, a.memory_log, a.grid, a.batch)
    with open(a.json, "w") as f:
        json.dump(doc, f, indent=2)
    print(f"train: {doc['epochs_run']} epochs, samples/s per epoch "
          f"{', '.join(show(r) for r in doc['samples_per_s_epochs']) or 'n/a'}; data wait (last epoch) {show(doc['data_wait_s'], ' s')}"
          f"; device memory rise {show(doc['peak_device_memory_bytes'], ' GiB', 2, 2 ** -30)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
