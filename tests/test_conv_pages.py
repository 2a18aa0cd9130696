"""The "Convolution" and "Max pooling" pages through AppTest: they send the explorer (drawn in the
browser, see tests/test_explorer_browser.py) exactly the numbers the engine works on, react to their
controls, explain bad input, honour presenter mode, and never import TensorFlow."""

import json

import numpy as np
import pytest
from pages_list import open_app
from support import html_tables, pages_leave_tensorflow_out

from cnnviz.lesson import kernels, ops
from cnnviz.ui import convolution as convolution_ui

CONV_PAGE, POOL_PAGE = "app_pages/convolution.py", "app_pages/pooling.py"


@pytest.fixture
def conv_app():
    app = open_app().switch_page(CONV_PAGE).run()
    assert not app.exception
    return app


@pytest.fixture
def pool_app():
    app = open_app().switch_page(POOL_PAGE).run()
    assert not app.exception
    return app


def explorers(app) -> list[dict]:
    """What the page sent each explorer element, in page order."""
    return [json.loads(element.proto.json) for element in app.get("bidi_component")
            if element.proto.component_name == "cnnviz_explorer"]


def figures(app) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in app.get("plotly_chart")]


def code_blocks(app) -> str:
    """The inline code (output-size formulas) in the page's Markdown."""
    return " ".join(block.value for block in app.markdown if block.value.startswith("`"))


def measurement(app) -> str:
    """The pooling page's shift measurement beside its picture."""
    return next(block.value for block in app.markdown if "moved 1 pixel" in block.value)


def conv_output(payload: dict) -> np.ndarray:
    """What the browser computes from a convolution payload, by the engine it is tested against."""
    return ops.conv2d(np.array(payload["input"]), np.array(payload["kernel"]), payload["stride"],
                      payload["padding"], payload["dilation"])


def test_convolution_page_sends_the_example_and_the_digit(conv_app):
    example, digit = explorers(conv_app)
    assert example["input"] == [list(row) for row in convolution_ui.SEED_IMAGE]
    assert conv_output(example)[0, 0] == 4 and conv_output(example).shape == (3, 3)  # seed 001's first cell
    assert np.allclose(digit["input"], convolution_ui.scaled_digit(0), atol=1e-4)
    assert digit["kernel"] == kernels.preset_weights("vertical edges").tolist()
    assert conv_output(digit).shape == (26, 26) and digit["start_at_end"]
    assert "= 26" in code_blocks(conv_app)
    assert len(json.dumps(digit)) < 20_000  # the browser computes the rest
    assert not figures(conv_app)  # pictures, not charts: no Plotly bundle for this page
    assert len(conv_app.get("image")) == 3  # raw, after ReLU, the stack of feature maps


def test_stride_padding_and_dilation_reach_the_explorer(conv_app):
    conv_app.selectbox(key="conv_stride").set_value(2).run()
    assert not conv_app.exception
    assert conv_output(explorers(conv_app)[1]).shape == (13, 13)
    assert "/ 2) + 1 = 13" in code_blocks(conv_app)
    conv_app.selectbox(key="conv_stride").set_value(1).run()
    conv_app.selectbox(key="conv_padding").set_value("same").run()
    assert conv_output(explorers(conv_app)[1]).shape == (28, 28)
    conv_app.selectbox(key="conv_padding").set_value("valid (none)").run()
    conv_app.selectbox(key="conv_dilation").set_value(2).run()
    assert conv_output(explorers(conv_app)[1]).shape == (24, 24)


def test_another_preset_and_digit_change_the_numbers(conv_app):
    before = explorers(conv_app)[1]
    conv_app.selectbox(key="conv_preset").set_value("outline").run()
    assert not conv_app.exception
    after = explorers(conv_app)[1]
    assert after["kernel"] == kernels.preset_weights("outline").tolist() and after["input"] == before["input"]
    conv_app.number_input(key="conv_digit").set_value(7).run()
    seventh = explorers(conv_app)[1]
    assert seventh["input"] != after["input"] and "Digit #7" in seventh["titles"]["input"]


def test_bad_kernel_cell_names_the_cell_and_keeps_the_last_good_kernel(conv_app):
    good = explorers(conv_app)[1]
    bad_cells = [["-1", "0", "1"], ["-1", "zero", "1"], ["-1", "0", "1"]]
    conv_app.session_state["conv_kernel_cells"] = bad_cells
    conv_app.run()
    assert not conv_app.exception
    message = conv_app.error[0].value
    assert "row 2, column 2" in message and "'zero'" in message and "last kernel that worked" in message
    assert explorers(conv_app)[1]["kernel"] == good["kernel"]
    conv_app.session_state["conv_kernel_cells"] = [["1e9", "0", "0"], ["0"] * 3, ["0"] * 3]
    conv_app.run()
    assert "too large" in conv_app.error[0].value and explorers(conv_app)[1]["kernel"] == good["kernel"]


def test_stride_with_dilation_is_sent_and_explained_in_the_engines_words(conv_app):
    """The explorer shows the engine's own sentence for settings it refuses (tested in the browser);
    the page adds no formula and no ReLU pictures for them, and raises nothing."""
    conv_app.selectbox(key="conv_stride").set_value(2).run()
    conv_app.selectbox(key="conv_dilation").set_value(3).run()
    assert not conv_app.exception
    refused = explorers(conv_app)[1]
    with pytest.raises(ops.OperationError, match="stride 2, dilation 3"):
        conv_output(refused)
    assert "Output size" not in " ".join(block.value for block in conv_app.markdown)
    assert len(conv_app.get("image")) == 1  # only the stack of feature maps


def test_five_by_five_kernel_and_an_empty_stack(conv_app):
    conv_app.button_group(key="conv_size").set_value(5).run()
    assert not conv_app.exception
    assert conv_output(explorers(conv_app)[1]).shape == (24, 24)
    conv_app.multiselect(key="conv_stack").set_value([]).run()
    assert not conv_app.exception and "Pick at least one kernel" in conv_app.info[0].value


def test_presenter_mode_reaches_the_explorers(conv_app):
    assert not any(payload["presenter"] for payload in explorers(conv_app))
    conv_app.toggle(key="present").set_value(True).run()
    assert not conv_app.exception
    assert all(payload["presenter"] for payload in explorers(conv_app))


def test_pooling_page_sends_the_map_and_measures_the_shift(pool_app):
    (payload,) = explorers(pool_app)
    assert payload["kind"] == "pooling" and np.array(payload["input"]).shape == (10, 10)
    assert payload["origin"] == [8, 8]  # the centre 10 x 10 of a 26 x 26 map keeps its row numbers
    whole = convolution_ui.feature_map(0, "vertical edges")
    assert np.allclose(payload["input"], whole[8:18, 8:18], atol=1e-4)
    assert ops.pool2d(np.array(payload["input"]), payload["size"], payload["stride"]).shape == (5, 5)
    assert "= 5" in code_blocks(pool_app)
    assert "The digit moved 1 pixel right" in measurement(pool_app) and "%" in measurement(pool_app)
    assert list(html_tables(pool_app)[0]) == ["digit moved", "feature map changed by", "pooled map changed by"]


def test_pooling_controls_reach_the_explorer(pool_app):
    pool_app.button_group(key="pool_mode").set_value("average").run()
    assert not pool_app.exception and explorers(pool_app)[0]["mode"] == "average"
    pool_app.selectbox(key="pool_size").set_value(3).run()
    payload = explorers(pool_app)[0]
    assert ops.pool2d(np.array(payload["input"]), payload["size"], payload["stride"], "average").shape == (3, 3)
    pool_app.selectbox(key="pool_region").set_value("whole 26 x 26").run()
    pool_app.selectbox(key="pool_padding").set_value("same").run()
    payload = explorers(pool_app)[0]
    assert np.array(payload["input"]).shape == (26, 26) and payload["padding"] == "same"
    before = measurement(pool_app)
    pool_app.selectbox(key="pool_kernel").set_value("outline").run()
    assert not pool_app.exception and measurement(pool_app) != before


def test_both_pages_leave_tensorflow_out():
    report = pages_leave_tensorflow_out([CONV_PAGE, POOL_PAGE])
    assert report == {"errors": [], "tensorflow": False, "keras": False}
