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
