"""AppTest of the "MLP vs CNN" page: it tells the story with the committed models, reacts to the
CNN choice, and survives missing or broken model files."""

import json
import shutil

import pytest
import streamlit as st
from pages_list import open_app

from cnnviz import zoo

PAGE = "app_pages/mlp_vs_cnn.py"


def _run_page():
    st.cache_data.clear()
    st.cache_resource.clear()
    at = open_app()
    at.switch_page(PAGE).run()
    return at


def _text(at):
    return "\n".join(element.value for element in at.markdown)


@pytest.fixture(scope="module")
def page():
    return _run_page()


def test_page_tells_the_story_with_real_numbers(page):
    assert not page.exception
    assert page.title[0].value == "MLP vs CNN"
    mlp = zoo.card("mlp")
    text = _text(page)
    assert f"{100 * mlp['test_accuracy']:.2f}%" in text and f"{mlp['params']:,}" in text
    chollet = zoo.card("cnn_chollet")
    assert f"{100 * chollet['test_accuracy']:.2f}%" in text
    assert len(page.dataframe) >= 2  # the models table and at least one layer table
    assert len(page.get("plotly_chart")) >= 5  # accuracy, curves, two confusion matrices, gallery
    assert any("fool the MLP but not the CNN" in caption.value for caption in page.caption)


def test_choosing_another_cnn_changes_the_comparison(page):
    assert len(page.selectbox(key="zoo_cnn").options) >= 2
    before = _text(page)
    page.selectbox(key="zoo_cnn").select_index(1 if page.selectbox(key="zoo_cnn").index == 0 else 0).run()
    assert not page.exception
    assert _text(page) != before


def test_gallery_slider_shows_more_digits(page):
    charts_before = len(page.get("plotly_chart"))
    page.slider(key="zoo_gallery_count").set_value(9).run()
    assert not page.exception
    assert len(page.get("plotly_chart")) == charts_before + 3


def test_missing_and_broken_models_give_messages_and_the_rest_still_shows(tmp_path, monkeypatch):
    shutil.copy(zoo.MODELS_DIR / "mlp.json", tmp_path / "mlp.json")
    (tmp_path / "mlp.keras").write_bytes((zoo.MODELS_DIR / "mlp.keras").read_bytes()[:300])  # truncated
    card = json.loads((zoo.MODELS_DIR / "mlp.json").read_text())
    card["name"] = "cnn_lesson"
    del card["test_accuracy"]
    (tmp_path / "cnn_lesson.json").write_text(json.dumps(card))
    monkeypatch.setattr(zoo, "MODELS_DIR", tmp_path)
    at = _run_page()
    assert not at.exception
    warnings = "\n".join(warning.value for warning in at.warning)
    command = warnings.split("`")[1]
    assert command.startswith("python -m cnnviz.zoo ") and {"cnn_lesson", "cnn_best"} <= set(command.split())
    assert "mlp" not in warnings.split("**")[1]  # the MLP's card is fine, so it is not listed as missing
    assert "lacks test_accuracy" in _text(at)  # the details, in the expander
    assert len(at.dataframe) >= 1  # the MLP's card still shows in the table


def test_no_models_at_all_says_how_to_train_them(tmp_path, monkeypatch):
    monkeypatch.setattr(zoo, "MODELS_DIR", tmp_path)
    at = _run_page()
    assert not at.exception
    assert any("python -m cnnviz.zoo" in error.value for error in at.error)
