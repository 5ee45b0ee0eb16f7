"""Tolerant reading of the benchmark JSON files, shared by compare.py and the PyTorch scripts.

A stage that failed, timed out or was skipped leaves its file missing, empty or cut short; .NET writes
non-finite doubles as the strings "NaN"/"Infinity". None of that may cost the other figures: readers
get None and print "missing" instead of raising. Standard library only.
"""
import json, math, os


def load(path, label="ours"):
    """The JSON document at path, or None after printing '<label>: missing (...)'."""
    if not path:
        return None
    if not os.path.exists(path):
        print(f"{label}: missing ({path} not found: the stage was skipped or failed)")
        return None
    try:
        with open(path) as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        print(f"{label}: missing ({path} unreadable: {e})")
        return None
    if not isinstance(doc, dict):
        print(f"{label}: missing ({path} is not a JSON object)")
        return None
    return doc


def num(value):
    """A finite float, or None for anything else (absent, null, NaN, infinities, "NaN", text, booleans)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def ratio(numerator, denominator):
    """numerator / denominator when both are finite and the denominator is not 0, else None."""
    a, b = num(numerator), num(denominator)
    return None if a is None or b in (None, 0.0) else a / b


def fmt(value, digits=2, missing="-"):
    value = num(value)
    return missing if value is None else f"{value:.{digits}f}"
