"""AppTest of the "MLP vs CNN" page: it tells the story with the committed models, reacts to the
CNN choice, and survives missing or broken model files."""

import json
import shutil

import pytest
import streamlit as st
from pages_list import open_app
from support import html_tables

from cnnviz import zoo
from cnnviz.ui import lesson

PAGE = "app_pages/mlp_vs_cnn.py"
REAL_MODELS = zoo.MODELS_DIR


def _run_page(section: str | None = None):
    """The page, opened (as by a link) on the tab ``section`` of ``lesson.ZOO_TABS`` (default: the first)."""
    st.cache_data.clear()
    st.cache_resource.clear()
    at = open_app({lesson.ZOO_TAB_KEY: section} if section else None)
    at.switch_page(PAGE)
    if section:
        at.query_params[lesson.ZOO_TAB_KEY] = section
    return at.run()


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
    assert len(html_tables(page)) >= 2  # the models table, and the first tab's layers of one model
    # The accuracy bars are a picture and the first tab has tables only: no Plotly chart, so the
    # page opens without Plotly's bundle.
    assert len(page.get("plotly_chart")) == 0 and len(page.get("image")) == 1


@pytest.mark.parametrize("section, charts, tables, words", [
    (lesson.ZOO_TABS[1], 1, 1, "Training curves: does it overfit?"),  # the curves
    (lesson.ZOO_TABS[2], 2, 1, "Which digits get confused?"),  # two confusion matrices
    (lesson.ZOO_TABS[3], 6, 1, "fool the MLP but not the CNN"),  # six digits' probabilities
])
def test_only_the_open_tab_is_drawn(section, charts, tables, words):
    at = _run_page(section)
    assert not at.exception
    assert len(at.get("plotly_chart")) == charts and len(html_tables(at)) >= tables
    texts = [element.value for element in [*at.markdown, *at.caption, *at.subheader]]
    assert any(words in text for text in texts), texts


def test_choosing_another_cnn_changes_the_comparison(page):
    assert len(page.selectbox(key="zoo_cnn").options) >= 2
    before = _text(page)
    page.selectbox(key="zoo_cnn").select_index(1 if page.selectbox(key="zoo_cnn").index == 0 else 0).run()
    assert not page.exception
    assert _text(page) != before


def test_gallery_slider_shows_more_digits():
    page = _run_page(lesson.ZOO_TABS[3])
    charts_before = len(page.get("plotly_chart"))
    page.slider(key="zoo_gallery_count").set_value(9).run()
    assert not page.exception
    assert len(page.get("plotly_chart")) == charts_before + 3


@pytest.fixture
def models_dir(tmp_path, monkeypatch):
    """An empty models/ folder that the zoo reads instead of the real one. The server-wide caches
    filled from it are emptied afterwards, so later tests (and the warm-up's) see the real models."""
    monkeypatch.setattr(zoo, "MODELS_DIR", tmp_path)
    yield tmp_path
    st.cache_data.clear()
    st.cache_resource.clear()


def test_missing_and_broken_models_give_messages_and_the_rest_still_shows(models_dir):
    shutil.copy(REAL_MODELS / "mlp.json", models_dir / "mlp.json")
    (models_dir / "mlp.keras").write_bytes((REAL_MODELS / "mlp.keras").read_bytes()[:300])  # truncated
    card = json.loads((REAL_MODELS / "mlp.json").read_text())
    card["name"] = "cnn_lesson"
    del card["test_accuracy"]
    (models_dir / "cnn_lesson.json").write_text(json.dumps(card))
    at = _run_page()
    assert not at.exception
    warnings = "\n".join(warning.value for warning in at.warning)
    command = warnings.split("`")[1]
    assert command.startswith("python -m cnnviz.zoo ") and {"cnn_lesson", "cnn_best"} <= set(command.split())
    assert "mlp" not in warnings.split("**")[1]  # the MLP's card is fine, so it is not listed as missing
    assert "lacks test_accuracy" in _text(at)  # the details, in the expander
    assert len(html_tables(at)) >= 1  # the MLP's card still shows in the table


def test_no_models_at_all_says_how_to_train_them(models_dir):
    at = _run_page()
    assert not at.exception
    assert any("python -m cnnviz.zoo" in error.value for error in at.error)


def test_training_curves_stay_on_their_axes_and_mark_what_lies_below():
    """Our best CNN's first validation epoch (64%) lies far below the zoomed axis: it is left out of
    the line and marked at the bottom edge with its true value, instead of running off the chart."""
    from cnnviz import zoo
    from cnnviz.zoo import figures as zoo_figures

    from cnnviz.zoo import architectures

    cards = [zoo.card(name) for name in architectures.names()]
    figure = zoo_figures.training_curves(cards, presenter=False).to_dict()
    floor = figure["layout"]["yaxis"]["range"][0]
    assert floor >= zoo_figures.ACCURACY_FLOOR
    plotted = [y for trace in figure["data"] for y in trace["y"] if y is not None]
    assert min(plotted) >= floor
    best_val = cards[[card["name"] for card in cards].index("cnn_best")]["history"]["val_accuracy"][0]
    marks = [text for trace in figure["data"] if trace.get("mode") == "markers+text" for text in trace["text"]]
    assert f"{100 * best_val:.0f}%" in marks
