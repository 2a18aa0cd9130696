"""The playground's pure-Python layer table against Keras itself, clamping, and the sweep lookup."""

import itertools
import json
import random

import pytest
from support import heavy_imports

from cnnviz.playground import network as pg
from cnnviz.playground import sweep
from cnnviz.playground.config import DENSE_CHOICES, FILTER_CHOICES, KERNEL_CHOICES, PlaygroundConfig
from cnnviz.playground.network import InvalidNetwork


def _all_architectures():
    """Every architecture-relevant slider combination (training settings do not change the net)."""
    for blocks, filters, kernel, pooling, dropout, dense in itertools.product(
        range(1, 4), FILTER_CHOICES, KERNEL_CHOICES, (True, False), (0.0, 0.35), DENSE_CHOICES
    ):
        yield PlaygroundConfig(blocks=blocks, filters=filters, kernel_size=kernel, pooling=pooling,
                               dropout=dropout, dense_units=dense)


def _valid(config):
    try:
        pg.layer_plan(config)
        return True
    except InvalidNetwork:
        return False


# 600 combinations exist; building each in Keras costs ~0.1 s, so test a fixed random 40 plus the extremes.
_VALID = [config for config in _all_architectures() if _valid(config)]
_SAMPLE = random.Random(5).sample(_VALID, 40) + [
    PlaygroundConfig(blocks=1, filters=4, kernel_size=3, pooling=False, dropout=0.0, dense_units=16),
    PlaygroundConfig(blocks=3, filters=64, kernel_size=3, pooling=False, dropout=0.7, dense_units=256),
    PlaygroundConfig(blocks=3, filters=64, kernel_size=5, pooling=False, dropout=0.7, dense_units=256),
    PlaygroundConfig(blocks=3, filters=64, kernel_size=3, pooling=True, dropout=0.7, dense_units=256),
    PlaygroundConfig(blocks=2, filters=64, kernel_size=5, pooling=True, dropout=0.0, dense_units=16),
]


@pytest.mark.parametrize("config", _SAMPLE, ids=pg.model_name)
def test_layer_plan_matches_keras_shapes_and_params(config):
    model = pg.build_model(config)
    plan = pg.layer_plan(config)
    keras_layers = [layer for layer in model.layers if layer.__class__.__name__ != "InputLayer"]
    assert [row.name for row in plan] == [layer.name for layer in keras_layers]
    assert [row.kind for row in plan] == [layer.__class__.__name__ for layer in keras_layers]
    assert [row.output_shape for row in plan] == [tuple(layer.output.shape[1:]) for layer in keras_layers]
    assert [row.params for row in plan] == [layer.count_params() for layer in keras_layers]
    assert pg.total_params(config) == model.count_params()


def test_default_config_plan_is_the_expected_network():
    plan = pg.layer_plan(PlaygroundConfig())
    assert plan[0] == pg.LayerRow("conv_1", "Conv2D", (26, 26, 32), 320)
    assert plan[4] == pg.LayerRow("flatten", "Flatten", (800,), 0)
    assert pg.total_params(PlaygroundConfig()) == 320 + 9248 + 801 * 64 + 65 * 10


def test_dropout_zero_leaves_out_the_dropout_layers():
    kinds = [row.kind for row in pg.layer_plan(PlaygroundConfig(dropout=0))]
    assert "Dropout" not in kinds
    assert kinds.count("Dropout") == 0
    assert [row.kind for row in pg.layer_plan(PlaygroundConfig(dropout=0.5))].count("Dropout") == 2


def test_exactly_the_shrinking_combination_is_invalid_and_explains_itself():
    invalid = [config for config in _all_architectures() if not _valid(config)]
    assert invalid and all(c.blocks == 3 and c.kernel_size == 5 and c.pooling for c in invalid)
    with pytest.raises(InvalidNetwork, match=r"4x4.*at most 2 blocks.*3x3 filters.*pooling off"):
        pg.layer_plan(PlaygroundConfig(blocks=3, kernel_size=5, pooling=True))
    with pytest.raises(InvalidNetwork):
        pg.build_model(PlaygroundConfig(blocks=3, kernel_size=5, pooling=True))
    assert issubclass(InvalidNetwork, ValueError)
    assert pg.max_blocks(5, True) == 2 and pg.max_blocks(3, True) == 3 and pg.max_blocks(5, False) == 3


@pytest.mark.parametrize(
    ("field", "raw", "expected"),
    [
        ("blocks", 0, 1), ("blocks", 99, 3), ("blocks", "2", 2), ("blocks", -5, 1),
        ("filters", 1, 4), ("filters", 1000, 64), ("filters", 20, 16), ("filters", "33", 32),
        ("kernel_size", 4, 3), ("kernel_size", 7, 5), ("kernel_size", "5", 5),
        ("pooling", "0", False), ("pooling", "off", False), ("pooling", "1", True), ("pooling", True, True),
        ("dropout", -1, 0.0), ("dropout", 0.93, 0.7), ("dropout", "0.33", 0.35), ("dropout", 0.1, 0.1),
        ("dense_units", 1, 16), ("dense_units", 10 ** 6, 256), ("dense_units", 100, 128),
        ("optimizer", "ADAM", "adam"), ("optimizer", "lbfgs", "rmsprop"),
        ("epochs", 0, 1), ("epochs", 500, 20), ("epochs", "4.4", 4),
        ("batch_size", 1, 16), ("batch_size", 100000, 256),
        ("samples", 0, 256), ("samples", 10 ** 9, 58000), ("samples", 9000, 10000),
        ("epochs", "nan", 3), ("filters", "many", 32), ("pooling", "maybe", True),
    ],
)
def test_every_field_is_clamped(field, raw, expected):
    config, notes = PlaygroundConfig.clamped(**{field: raw})
    assert getattr(config, field) == expected
    assert getattr(PlaygroundConfig(**{field: raw}), field) == expected


def test_clamping_notes_say_what_changed_and_stay_quiet_otherwise():
    config, notes = PlaygroundConfig.clamped(filters=1000, blocks=2, colour="red")
    assert config.filters == 64 and config.blocks == 2
    assert any("filters 1000" in note and "64" in note for note in notes)
    assert any("colour" in note for note in notes)
    assert len(notes) == 2


def test_url_parameters_are_clamped_and_round_trip():
    params = {"blocks": "9", "filters": "-3", "kernel": "11", "pool": "off", "dropout": "2",
              "dense": "abc", "optimizer": "rm -rf", "epochs": "1e9", "batch": "0", "samples": "12",
              "present": "1"}
    config, notes = PlaygroundConfig.from_query_params(params)
    assert config == PlaygroundConfig(blocks=3, filters=4, kernel_size=5, pooling=False, dropout=0.7,
                                      dense_units=64, optimizer="rmsprop", epochs=20, batch_size=16,
                                      samples=256)
    assert len(notes) == 9  # every parameter but "pool" (off is valid) was wrong; "present" is not ours
    again, again_notes = PlaygroundConfig.from_query_params(config.to_query_params())
    assert again == config and again_notes == []


def test_config_is_frozen_and_hashable():
    config = PlaygroundConfig()
    with pytest.raises(AttributeError):
        config.filters = 8  # type: ignore[misc]
    assert len({config, PlaygroundConfig()}) == 1
    assert config.work() == config.samples * config.epochs


def _fake_sweep(path):
    """A tiny hand-made sweep file with the real format (for the lookup logic only)."""
    base = PlaygroundConfig(samples=10000, epochs=3)
    cells = []
    for filters in (4, 16, 64):
        for dropout in (0.0, 0.5):
            cells.append({
                "config": {**sweep.config_to_dict(PlaygroundConfig(**{**sweep.config_to_dict(base),
                                                                       "filters": filters,
                                                                       "dropout": dropout}))},
                "test_accuracy": 0.9 + filters / 1000 - dropout / 100,
                "history": {"accuracy": [0.8, 0.9, 0.95], "val_accuracy": [0.85, 0.9, 0.93],
                            "loss": [0.6, 0.3, 0.2], "val_loss": [0.5, 0.35, 0.3]},
                "seconds": 12.0,
            })
    payload = {"format": sweep.FORMAT, "axes": {"filters": [4, 16, 64], "dropout": [0.0, 0.5],
                                                "kernel_size": [3]},
               "base": sweep.config_to_dict(base), "cells": cells, "cost": {"seconds": 72.0}}
    path.write_text(json.dumps(payload))
    return path


def test_sweep_lookup_finds_the_exact_and_the_nearest_cell(tmp_path):
    result = sweep.load(_fake_sweep(tmp_path / "sweep.json"))
    exact = sweep.lookup(result, PlaygroundConfig(filters=16, dropout=0.5))
    assert exact.exact and exact.cell["test_accuracy"] == pytest.approx(0.9 + 0.016 - 0.005)
    near = sweep.lookup(result, PlaygroundConfig(filters=32, dropout=0.45, blocks=1))
    assert not near.exact
    assert near.cell["config"]["filters"] in (16, 64) and near.cell["config"]["dropout"] == 0.5
    assert any("block" in difference for difference in near.differences)
    grid = sweep.accuracy_grid(result, kernel_size=3)
    assert grid.shape == (2, 3)  # dropout rows x filter columns
    assert grid[1, 2] == pytest.approx(0.9 + 0.064 - 0.005)


def test_missing_or_broken_sweep_file_raises_a_readable_error(tmp_path):
    with pytest.raises(sweep.SweepUnavailable, match="python -m cnnviz.playground.sweep"):
        sweep.load(tmp_path / "nothing.json")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(sweep.SweepUnavailable, match="python -m cnnviz.playground.sweep"):
        sweep.load(broken)


def test_committed_sweep_holds_real_trained_cells():
    result = sweep.load(sweep.DEFAULT_PATH)
    assert result["cells"], "the sweep file has no cells"
    for cell in result["cells"]:
        assert 0.1 < cell["test_accuracy"] <= 1.0
        assert len(cell["history"]["accuracy"]) == result["base"]["epochs"]
        assert cell["seconds"] > 0
    assert result["cost"]["seconds"] > 0


def test_the_page_modules_do_not_import_keras():
    """The layer table and the sweep must be instant: importing the page's modules loads no TensorFlow."""
    heavy, _ = heavy_imports("import cnnviz.playground.network, cnnviz.playground.config, cnnviz.playground.run, "
                             "cnnviz.playground.figures, cnnviz.playground.sweep, cnnviz.playground.slots, "
                             "cnnviz.playground.live")
    assert heavy == [], heavy
