"""Seeded explorer configurations and what the numpy engine says about each, for the explorer's
oracle tests (tests/test_explorer.py with node, tests/test_explorer_browser.py in Chromium).

A case is a JSON-ready dict: ``kind`` ("convolution", "pooling" or "matrix"), ``input`` (rows of
numbers with at most 3 decimals, so the explorer sends them unchanged), ``decimals``, and the
geometry of its kind (``kernel, stride, padding, dilation`` or ``size, stride, mode, padding``).
"""

from __future__ import annotations

import numpy as np

from cnnviz.lesson import ops
from cnnviz.ui import explorer

# Settings the engine refuses (and two it accepts that look odd), each with the sentence it says.
EDGE_CASES = [
    {"kind": "convolution", "size": (6, 6), "kernel": (3, 3), "stride": 0, "padding": "valid", "dilation": 1},
    {"kind": "convolution", "size": (6, 6), "kernel": (3, 3), "stride": 1, "padding": -1, "dilation": 1},
    {"kind": "convolution", "size": (6, 6), "kernel": (3, 3), "stride": 1, "padding": "full", "dilation": 1},
    {"kind": "convolution", "size": (6, 6), "kernel": (3, 3), "stride": 1, "padding": "valid", "dilation": 0},
    {"kind": "convolution", "size": (3, 3), "kernel": (5, 5), "stride": 1, "padding": "valid", "dilation": 1},
    {"kind": "convolution", "size": (5, 5), "kernel": (3, 3), "stride": 1, "padding": 0, "dilation": 3},
    {"kind": "convolution", "size": (8, 8), "kernel": (3, 3), "stride": 2, "padding": "same", "dilation": 2},
    {"kind": "convolution", "size": (6, 3), "kernel": (3, 5), "stride": 1, "padding": "valid", "dilation": 1},
    {"kind": "convolution", "size": (3, 4), "kernel": (5, 5), "stride": 1, "padding": "SAME", "dilation": 1},
    {"kind": "pooling", "size": (6, 6), "pool": 2, "stride": None, "mode": "min", "padding": "valid"},
    {"kind": "pooling", "size": (6, 6), "pool": 2, "stride": None, "mode": "max", "padding": 1},
    {"kind": "pooling", "size": (3, 3), "pool": 4, "stride": None, "mode": "max", "padding": "valid"},
    {"kind": "pooling", "size": (5, 5), "pool": 0, "stride": None, "mode": "average", "padding": "valid"},
    {"kind": "pooling", "size": (5, 7), "pool": 3, "stride": 2, "mode": "average", "padding": "VALID"},
]


def _values(rng, shape, low, high, decimals, sparse: float = 0.0) -> list:
    values = np.round(rng.uniform(low, high, shape), decimals)
    values[rng.random(shape) < sparse] = 0
    return values.tolist()


def _conv(rng, size, kernel, stride, padding, dilation) -> dict:
    signed = rng.random() < 0.3
    return {"kind": "convolution", "input": _values(rng, size, -1 if signed else 0, 1, int(rng.integers(1, 4)),
                                                    sparse=0.4),
            "kernel": _values(rng, kernel, -2, 2, int(rng.integers(0, 3))), "stride": stride, "padding": padding,
            "dilation": dilation, "decimals": int(rng.choice([0, 1, 2, 2, 3]))}


def _pool(rng, size, pool, stride, mode, padding) -> dict:
    # Quarters and eighths make averages that land exactly on rounding ties.
    steps = rng.choice([0.125, 0.25, 0.001])
    values = np.round(rng.integers(0, 24, size) * steps, 3).tolist()
    return {"kind": "pooling", "input": values, "size": pool, "stride": stride, "mode": mode, "padding": padding,
            "decimals": int(rng.choice([0, 1, 2]))}


def oracle_cases(count: int = 50, seed: int = 15) -> list[dict]:
    """``count`` cases: the edge cases first, then seeded random ones (sizes 3..28, kernels 1..5 with
    negative weights, strides 1..3, paddings valid/same/0..2, dilations 1..3, pools 1..4)."""
    rng = np.random.default_rng(seed)
    cases = []
    for edge in EDGE_CASES:
        if edge["kind"] == "convolution":
            cases.append(_conv(rng, edge["size"], edge["kernel"], edge["stride"], edge["padding"], edge["dilation"]))
        else:
            cases.append(_pool(rng, edge["size"], edge["pool"], edge["stride"], edge["mode"], edge["padding"]))
    while len(cases) < count:
        size = tuple(int(n) for n in rng.integers(3, 29, 2))
        if rng.random() < 0.55:
            kernel = tuple(int(n) for n in rng.integers(1, 6, 2))
            stride = int(rng.integers(1, 4))
            dilation = int(rng.integers(2, 4)) if rng.random() < 0.3 else 1
            padding = [ "valid", "same", 0, 1, 2][int(rng.integers(0, 5))]
            cases.append(_conv(rng, size, kernel, stride, padding, dilation))
        else:
            stride = None if rng.random() < 0.4 else int(rng.integers(1, 4))
            cases.append(_pool(rng, size, int(rng.integers(1, 5)), stride, str(rng.choice(["max", "average"])),
                               str(rng.choice(["valid", "same"]))))
    return cases[:count]


def expected(case: dict) -> dict:
    """What the numpy engine says: ``{"error": sentence}`` or ``{"shape": (rows, cols), "printed":
    [text per output cell in reading order]}`` with the explorer's own rounding of the inputs."""
    values = explorer.as_sent(case["input"])
    try:
        if case["kind"] == "convolution":
            output = ops.conv2d(values, explorer.as_sent(case["kernel"]), case["stride"], case["padding"],
                                case["dilation"])
        elif case["kind"] == "pooling":
            output = ops.pool2d(values, case["size"], case["stride"], case["mode"], case["padding"])
        else:
            output = values
    except ops.OperationError as error:
        return {"error": str(error)}
    return {"shape": output.shape, "printed": [explorer.printed(v, case["decimals"]) for v in output.ravel()]}
