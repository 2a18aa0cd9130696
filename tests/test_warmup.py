"""The background warm-up fills the caches the model pages read, and can be switched off."""

import pytest

from cnnviz.ui import comparison, warmup


def test_warm_up_fills_the_test_set_answers_the_mlp_vs_cnn_page_reads(monkeypatch):
    from cnnviz import zoo

    monkeypatch.setattr(warmup, "FIRST_PAGE_HEAD_START_S", 0)
    comparison.zoo_test_probabilities.clear()
    warmup.warm_caches()
    cards, problems = comparison.zoo_cards()
    assert not problems and set(cards) == set(zoo.names())

    def no_prediction(*args, **kwargs):
        raise AssertionError("computed again: the warm-up did not fill this cache")

    monkeypatch.setattr(zoo, "predict", no_prediction)
    for name, card in cards.items():
        assert comparison.zoo_test_probabilities(name, card.get("date", "")).shape == (10_000, 10)


@pytest.mark.parametrize("setting", ["0"])
def test_warm_up_can_be_switched_off(monkeypatch, setting):
    monkeypatch.setenv(warmup.SWITCH_VARIABLE, setting)
    warmup.start.clear()
    assert warmup.start() is None
    warmup.start.clear()


def test_the_first_run_imports_keras_before_any_page_runs_beside_the_warm_up():
    """Keras and TensorFlow are imported inside ``start()`` (which every other first run waits for),
    not in the background thread while a page may be importing them too: two threads importing
    them at once broke one of them (benchmarks/memory.py, a fresh server's first seconds)."""
    import subprocess
    import sys

    code = """
import os, sys
os.environ["CNNVIZ_WARM_UP"] = "1"
from cnnviz.ui import warmup
warmup.warm_caches = lambda: None  # the thread's own work is not the point here
assert "keras" not in sys.modules, "imported before start()"
warmup.start()
print("keras" in sys.modules and hasattr(sys.modules["keras"], "saving"))
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                            env={**__import__("os").environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "True"
