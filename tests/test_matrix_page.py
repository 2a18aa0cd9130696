"""The "An image is a matrix" page: interaction, URL parameters, bad data, and no TensorFlow."""

import json

import numpy as np
from pages_list import open_app
from streamlit.testing.v1 import AppTest
from support import pages_leave_tensorflow_out

from cnnviz import data


def run_matrix_page(query: dict | None = None) -> AppTest:
    return open_app(query)  # the matrix page is the default page


def full_matrix(app: AppTest) -> np.ndarray:
    """The numbers the page sends its matrix explorer (drawn by the browser; see test_explorer_browser)."""
    payloads = [json.loads(element.proto.json) for element in app.get("bidi_component")]
    (matrix,) = [payload for payload in payloads if payload["titles"]["input"] == "The matrix"]
    return np.array(matrix["input"])


def test_the_close_up_shows_the_numbers_in_the_middle_of_the_digit(mnist):
    (x_train, _), _ = mnist
    app = run_matrix_page()
    payloads = [json.loads(element.proto.json) for element in app.get("bidi_component")]
    close_up = next(payload for payload in payloads if payload["titles"]["input"].startswith("Close-up"))
    top, left = close_up["origin"]
    np.testing.assert_array_equal(close_up["input"], x_train[0][top:top + 8, left:left + 8])
    assert np.count_nonzero(close_up["input"]) >= 16  # mostly ink, not background


def test_choosing_another_digit_changes_the_matrix(mnist):
    (x_train, y_train), _ = mnist
    app = run_matrix_page()
    assert not app.exception
    np.testing.assert_array_equal(full_matrix(app), x_train[0])
    app.number_input(key="matrix_position").set_value(7).run()
    assert not app.exception
    np.testing.assert_array_equal(full_matrix(app), x_train[7])
    assert any("labelled **3**" in block.value for block in app.markdown)  # y_train[7] == 3


def test_class_filter_shows_only_that_digit(mnist):
    (x_train, y_train), _ = mnist
    app = run_matrix_page()
    app.selectbox(key="matrix_class").set_value("7").run()
    app.number_input(key="matrix_position").set_value(2).run()
    index = data.indices_of_class(y_train, 7)[2]
    np.testing.assert_array_equal(full_matrix(app), x_train[index])
    app.button[0].click().run()  # Random digit: still a 7
    assert not app.exception
    shown = full_matrix(app)
    assert any(np.array_equal(shown, x_train[i]) for i in data.indices_of_class(y_train, 7))


def test_digit_from_url_and_out_of_range_digit(mnist):
    (x_train, _), _ = mnist
    app = run_matrix_page({"digit": "123"})
    np.testing.assert_array_equal(full_matrix(app), x_train[123])
    app = run_matrix_page({"digit": "99999"})
    assert not app.exception
    assert "training set has digits 0 to 59,999" in app.warning[0].value
    np.testing.assert_array_equal(full_matrix(app), x_train[0])
    app = run_matrix_page({"digit": "seven"})
    assert not app.exception and "not a whole number" in app.warning[0].value


def test_broken_dataset_gives_a_message_not_a_traceback(tmp_path, monkeypatch):
    from cnnviz import ui

    ui.mnist.clear()  # the server-wide cache would otherwise still hold the good data
    (tmp_path / "broken.npz").write_text("not a zip")
    monkeypatch.setenv("CNNVIZ_MNIST", str(tmp_path / "broken.npz"))
    app = open_app()
    assert not app.exception
    # One plain sentence for the class; the path and the library's words only behind the expander.
    assert "MNIST digits could not be loaded" in app.error[0].value and "broken.npz" not in app.error[0].value
    assert any("broken.npz" in block.value for block in app.expander[0].markdown)
    assert app.toggle(key="present") is not None  # the sidebar (rest of the app) still renders


def test_matrix_page_never_imports_tensorflow():
    report = pages_leave_tensorflow_out(["app_pages/matrix.py"])
    assert report == {"errors": [], "tensorflow": False, "keras": False}
