"""The precomputed sweep: the playground network trained offline over a grid of settings.

A student moving the filters / dropout / kernel sliders gets the measured answer of the nearest
grid cell at once, instead of waiting for training. Every cell is really trained, with the same
protocol as a live run (:mod:`cnnviz.playground.run`), and written to one committed JSON file,
``models/sweep.json``: per cell its configuration, parameter count, per-epoch curves, test loss
and accuracy on the full 10k test set and its cost in seconds; plus the whole sweep's cost.

Command line (rebuilds ``models/sweep.json``; cells already in the file with the same base
settings are kept, so an interrupted sweep resumes)::

    nice -n 5 python -m cnnviz.playground.sweep
    python -m cnnviz.playground.sweep --filters 4 8 16 32 64 --dropouts 0 0.25 0.5 0.7 --kernels 3 5

Reading the file (:func:`load`, :func:`lookup`, :func:`accuracy_grid`) needs numpy only.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import time
from dataclasses import asdict, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import NamedTuple

import numpy as np

from cnnviz.playground.config import PlaygroundConfig
from cnnviz.playground.network import total_params
from cnnviz.problems import Unavailable

FORMAT = 1
DEFAULT_PATH = Path(__file__).resolve().parents[2] / "models" / "sweep.json"
REBUILD_COMMAND = "nice -n 5 python -m cnnviz.playground.sweep"
DEFAULT_FILTERS = (4, 8, 16, 32, 64)
DEFAULT_DROPOUTS = (0.0, 0.25, 0.5, 0.7)
DEFAULT_KERNELS = (3,)
# Everything but the swept axes: the page's default network, 10k images, 3 epochs.
DEFAULT_BASE = PlaygroundConfig(blocks=2, kernel_size=3, pooling=True, dense_units=64, optimizer="rmsprop",
                                epochs=3, batch_size=64, samples=10000)
SWEPT = ("filters", "dropout", "kernel_size")
LABELS = {"blocks": "conv blocks", "filters": "filters", "kernel_size": "kernel size", "pooling": "pooling",
          "dropout": "dropout", "dense_units": "dense units", "optimizer": "optimizer", "epochs": "epochs",
          "batch_size": "batch size", "samples": "training images"}


class SweepUnavailable(Unavailable):
    """The sweep file is missing or unreadable; the message names the command that rebuilds it."""

    summary = "The grid of settings measured beforehand is not on this server, so there are no measured numbers."


class SweepMatch(NamedTuple):
    """The sweep cell closest to a configuration.

    Attributes:
        cell: the cell's dict (``config``, ``test_accuracy``, ``history``, ...).
        exact: the cell has exactly the asked configuration.
        differences: one phrase per setting that differs, e.g. ``"conv blocks: 2 (you chose 1)"``.
    """

    cell: dict
    exact: bool
    differences: list[str]


def config_to_dict(config: PlaygroundConfig) -> dict:
    """A config as plain JSON-able values."""
    return asdict(config)


def load(path: Path | str = DEFAULT_PATH) -> dict:
    """Read and check a sweep file.

    Returns:
        The sweep: ``{"format", "axes", "base", "cells": [...], "cost": {...}, ...}``.

    Raises:
        SweepUnavailable: missing, not JSON, wrong format or no cells; names the rebuild command.
    """
    path = Path(path)
    try:
        sweep = json.loads(path.read_text())
    except FileNotFoundError:
        raise SweepUnavailable(f"The sweep results {path.name} are missing. Rebuild them with "
                               f"`{REBUILD_COMMAND}` (about 15 minutes on 2 CPU cores).") from None
    except (OSError, ValueError) as error:
        raise SweepUnavailable(f"The sweep results {path.name} cannot be read ({error}). Rebuild them "
                               f"with `{REBUILD_COMMAND}`.") from None
    if not isinstance(sweep, dict) or sweep.get("format") != FORMAT or not sweep.get("cells"):
        raise SweepUnavailable(f"The sweep results {path.name} are incomplete or from another version. "
                               f"Rebuild them with `{REBUILD_COMMAND}`.")
    for cell in sweep["cells"]:
        if not {"config", "test_accuracy", "history"} <= set(cell):
            raise SweepUnavailable(f"A cell of {path.name} lacks its results. Rebuild it with `{REBUILD_COMMAND}`.")
    return sweep


def _distance(cell_config: dict, config: PlaygroundConfig) -> tuple:
    """Swept axes first (filters on a doubling scale), then how many other settings differ."""
    swept = (abs(cell_config["kernel_size"] - config.kernel_size) / 2
             + abs(math.log2(cell_config["filters"]) - math.log2(config.filters)) / 2
             + abs(cell_config["dropout"] - config.dropout) / 0.25)
    others = sum(cell_config.get(name) != value for name, value in asdict(config).items() if name not in SWEPT)
    return (round(swept, 6), others)


def lookup(sweep: dict, config: PlaygroundConfig) -> SweepMatch:
    """The cell nearest to ``config`` on the swept axes (filters, dropout, kernel size).

    Training-only settings (epochs, samples, optimizer, ...) and fixed architecture settings that
    differ from the sweep's base are listed in ``differences`` so the page can say how far the
    answer is from the student's setting.
    """
    cell = min(sweep["cells"], key=lambda candidate: _distance(candidate["config"], config))
    wanted = asdict(config)
    differences = [f"{LABELS[name]}: {cell['config'][name]:,g} (you chose {wanted[name]:,g})"
                   if isinstance(wanted[name], (int, float)) and not isinstance(wanted[name], bool)
                   else f"{LABELS[name]}: {_on_off(cell['config'][name])} (you chose {_on_off(wanted[name])})"
                   for name in wanted if cell["config"].get(name) != wanted[name]]
    return SweepMatch(cell, not differences, differences)


def _on_off(value) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)


def accuracy_grid(sweep: dict, kernel_size: int) -> np.ndarray:
    """Test accuracy over the grid for one kernel size.

    Returns:
        (len(axes["dropout"]), len(axes["filters"])) floats 0..1; NaN where a cell is missing.
    """
    filters, dropouts = sweep["axes"]["filters"], sweep["axes"]["dropout"]
    grid = np.full((len(dropouts), len(filters)), np.nan)
    for cell in sweep["cells"]:
        config = cell["config"]
        if config["kernel_size"] == kernel_size and config["filters"] in filters and config["dropout"] in dropouts:
            grid[dropouts.index(config["dropout"]), filters.index(config["filters"])] = cell["test_accuracy"]
    return grid


def _write(path: Path, sweep: dict) -> None:
    """Write atomically, so a reader (or a crash) never sees half a file."""
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(sweep, indent=1))
    os.replace(temporary, path)


def run_sweep(path: Path | str = DEFAULT_PATH, *, filters=DEFAULT_FILTERS, dropouts=DEFAULT_DROPOUTS,
              kernels=DEFAULT_KERNELS, base: PlaygroundConfig = DEFAULT_BASE, seed: int = 0,
              mnist=None, log=print) -> dict:
    """Train every cell of the grid and write the sweep file after each one.

    Args:
        path: the JSON file to write (its cells with the same ``base`` and seed are reused).
        filters, dropouts, kernels: the grid's axes.
        base: every other setting (blocks, pooling, dense units, optimizer, epochs, batch, samples).
        seed: Keras' seed, the same for every cell.
        mnist: ``((x_train, y_train), (x_test, y_test))``, loaded with :mod:`cnnviz.data` if None.
        log: where progress lines go.

    Returns:
        The sweep dict as written.
    """
    from cnnviz import data
    from cnnviz.zoo import training
    from cnnviz.playground.run import train_config

    path = Path(path)
    mnist = mnist or data.load_mnist()
    base_dict = config_to_dict(base)
    kept = []
    if path.exists():
        try:
            previous = load(path)
            if previous.get("base") == base_dict and previous.get("seed") == seed:
                kept = previous["cells"]
        except SweepUnavailable:
            pass
    axes = {"filters": [int(f) for f in filters], "dropout": [float(d) for d in dropouts],
            "kernel_size": [int(k) for k in kernels]}
    configs = [replace(base, filters=f, dropout=d, kernel_size=k)
               for k in axes["kernel_size"] for d in axes["dropout"] for f in axes["filters"]]
    by_config = {json.dumps(cell["config"], sort_keys=True): cell for cell in kept}
    import keras
    import tensorflow as tf

    sweep = {
        "format": FORMAT,
        "description": "The playground CNN trained over filters x dropout (x kernel size); every other "
                       "setting as in 'base'. Trained on the first 'samples' MNIST training images, "
                       "validated on the last 2000 training images, tested on the full 10k test set.",
        "axes": axes, "base": base_dict, "seed": seed, "cells": [],
        "versions": {"keras": keras.__version__, "tensorflow": tf.__version__, "python": platform.python_version()},
        "device": training.device_description(),
    }
    started = time.perf_counter()
    for number, config in enumerate(configs, start=1):
        key = json.dumps(config_to_dict(config), sort_keys=True)
        if key in by_config:
            sweep["cells"].append(by_config[key])
            log(f"[{number}/{len(configs)}] kept   filters={config.filters} dropout={config.dropout} "
                f"kernel={config.kernel_size}: {by_config[key]['test_accuracy']:.4f}")
            continue
        result = train_config(config, mnist, seed=seed)
        cell = {"config": config_to_dict(config), "params": total_params(config),
                "test_accuracy": result["test_accuracy"], "test_loss": result["test_loss"],
                "history": result["history"], "seconds": round(result["seconds"], 2)}
        sweep["cells"].append(cell)
        cell_seconds = sum(c["seconds"] for c in sweep["cells"])
        sweep["cost"] = {"seconds": round(cell_seconds, 1), "cells": len(sweep["cells"]),
                         "cpu_count": os.cpu_count(), "machine": platform.machine(),
                         "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                         "note": "sum of every cell's build + train + test time; the machine was "
                                 "shared with other jobs while it ran"}
        _write(path, sweep)
        log(f"[{number}/{len(configs)}] filters={config.filters} dropout={config.dropout} "
            f"kernel={config.kernel_size}: test accuracy {cell['test_accuracy']:.4f} in {cell['seconds']:.1f} s "
            f"(elapsed {time.perf_counter() - started:.0f} s)")
    sweep["cost"] = {**sweep.get("cost", {}), "seconds": round(sum(c["seconds"] for c in sweep["cells"]), 1),
                     "cells": len(sweep["cells"]), "wall_seconds_last_invocation": round(time.perf_counter() - started, 1)}
    _write(path, sweep)
    return sweep


def main(argv: list[str] | None = None) -> int:
    """``python -m cnnviz.playground.sweep [--filters ...] [--dropouts ...] [--kernels ...] [--samples N] [--epochs E]``."""
    parser = argparse.ArgumentParser(prog="python -m cnnviz.playground.sweep", description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_PATH)
    parser.add_argument("--filters", type=int, nargs="+", default=list(DEFAULT_FILTERS))
    parser.add_argument("--dropouts", type=float, nargs="+", default=list(DEFAULT_DROPOUTS))
    parser.add_argument("--kernels", type=int, nargs="+", default=list(DEFAULT_KERNELS))
    parser.add_argument("--samples", type=int, default=DEFAULT_BASE.samples)
    parser.add_argument("--epochs", type=int, default=DEFAULT_BASE.epochs)
    parser.add_argument("--seed", type=int, default=0)
    arguments = parser.parse_args(argv)
    base = replace(DEFAULT_BASE, samples=arguments.samples, epochs=arguments.epochs)
    for name, values in (("filters", arguments.filters), ("dropout", arguments.dropouts),
                         ("kernel_size", arguments.kernels)):
        for value in values:
            if getattr(replace(base, **{name: value}), name) != value:
                parser.error(f"{name} {value} is not a playground setting (the page could never ask for it).")
    run_sweep(arguments.output, filters=arguments.filters, dropouts=arguments.dropouts,
              kernels=arguments.kernels, base=base, seed=arguments.seed)
    print(f"Wrote {arguments.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
