"""The Xception page (AppTest): the offline messages, and the whole pipeline with random weights.

Every test points KERAS_HOME at a fresh folder (see conftest's ``imagenet_home``), as on a fresh clone.
"""

import pytest
from pages_list import open_app
from support import html_tables, write_class_index

keras = pytest.importorskip("keras")

from cnnviz.ui import xception as xception_ui  # noqa: E402
from cnnviz.xception import loading  # noqa: E402

PAGE = "app_pages/xception.py"


def _fresh_model_caches():
    xception_ui.xception.clear()
    xception_ui.xception_analysis.clear()


@pytest.fixture
def clean_caches():
    _fresh_model_caches()
    yield
    _fresh_model_caches()


@pytest.fixture
def offline(monkeypatch, clean_caches, imagenet_home):
    def no_network(weights=None, **_):
        if weights == "imagenet":
            raise Exception("URL fetch failure on https://storage.googleapis.com/...: Name or service not known")
        return original(weights=weights, **_)

    original = keras.applications.Xception
    monkeypatch.delenv(loading.WEIGHTS_ENV_VAR, raising=False)
    monkeypatch.setattr(keras.applications, "Xception", no_network)


@pytest.fixture(scope="module")
def random_weights(tmp_path_factory):
    keras.utils.set_random_seed(11)
    path = tmp_path_factory.mktemp("xception") / "random_xception.weights.h5"
    keras.applications.Xception(weights=None).save_weights(str(path))
    return path


def operator_details(app) -> list:
    """The markdown behind the expander for the person running the server."""
    (expander,) = [block for block in app.expander if block.label == "For the person running the server"]
    return list(expander.markdown)


def _chart_specs(app) -> dict:
    return {chart.proto.id: chart.proto.spec for chart in app.get("plotly_chart")}


def test_offline_page_explains_what_to_do_and_still_preprocesses(offline):
    app = open_app()
    app.switch_page(PAGE).run()
    assert not app.exception, [error.value for error in app.exception]
    warning = " ".join(w.value for w in app.warning)
    assert "Xception cannot name photos on this server today" in warning
    # One plain sentence on the projector: no path and no library error outside the operator's expander.
    assert str(loading.weights_folder()) not in warning and "URL fetch failure" not in warning
    details = " ".join(block.value for block in operator_details(app))
    assert loading.WEIGHTS_FILE_NAME in details and loading.WEIGHTS_ENV_VAR in details
    assert str(loading.weights_folder()) in details
    assert any("needs Xception's weights" in info.value for info in app.info)
    assert "cannot run on this server today" in app.session_state["lesson_notice"]  # no Grad-CAM promised
    assert app.button(key="xception_retry")
    # Preprocessing and facts need no weights.
    assert html_tables(app) and len(app.get("plotly_chart")) == 1
    assert "22,910,480" in [metric.value for metric in app.metric]
    histograms = _chart_specs(app)
    app.radio(key="xception_fit").set_value("squash").run()
    assert not app.exception
    assert _chart_specs(app) != histograms  # squashing keeps the edges: other pixel values


def test_page_runs_the_whole_pipeline_from_a_weights_file(random_weights, monkeypatch, clean_caches,
                                                            imagenet_home):
    monkeypatch.setenv(loading.WEIGHTS_ENV_VAR, str(random_weights))
    app = open_app()
    app.switch_page(PAGE).run()
    assert not app.exception, [error.value for error in app.exception]
    assert not app.warning
    assert len(app.get("plotly_chart")) == 4  # overlay and top-5 (the step's picture), histograms, evidence grid
    assert any("Xception's answer" in md.value for md in app.markdown)
    classes = app.selectbox(key="xception_class")
    assert len(classes.options) == 5 and all("%" in option for option in classes.options)

    before = _chart_specs(app)
    classes.set_value(classes.options[3]).run()
    assert not app.exception
    after_class = _chart_specs(app)
    changed = [key for key in before if before[key] != after_class.get(key)]
    assert len(changed) == 2, changed  # the overlay and the grid follow the chosen class

    app.slider(key="xception_strength").set_value(0.9).run()
    assert not app.exception
    after_strength = _chart_specs(app)
    assert sum(after_class[key] != after_strength.get(key) for key in after_class) == 1  # the overlay only
    assert "Grad-CAM shows where" in app.session_state["lesson_notice"]


def test_missing_class_index_is_explained_and_retry_finds_it(random_weights, monkeypatch, clean_caches,
                                                                         tmp_path):
    def offline(*_, **__):
        raise Exception("URL fetch failure on https://storage.googleapis.com/...: Name or service not known")

    empty_home = tmp_path / "empty-keras-home"
    monkeypatch.setenv("KERAS_HOME", str(empty_home))
    monkeypatch.setenv(loading.WEIGHTS_ENV_VAR, str(random_weights))
    monkeypatch.setattr(keras.utils, "get_file", offline)
    app = open_app()
    app.switch_page(PAGE).run()
    assert not app.exception, [error.value for error in app.exception]
    warning = " ".join(w.value for w in app.warning)
    assert "Xception cannot name photos on this server today" in warning
    details = " ".join(block.value for block in operator_details(app))
    assert loading.CLASS_INDEX_FILE_NAME in details and str(empty_home / "models") in details
    assert app.button(key="xception_retry")
    assert html_tables(app) and len(app.get("plotly_chart")) == 1  # the preprocessing
    assert "22,910,480" in [metric.value for metric in app.metric]  # the facts

    write_class_index(empty_home)  # the teacher copies the file in and presses Retry
    app.button(key="xception_retry").click().run()
    assert not app.exception and not app.warning
    assert any("Xception's answer" in md.value for md in app.markdown)
