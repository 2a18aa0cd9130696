"""The "Convolution" and "Max pooling" pages through AppTest: they render, react to their controls,
keep the last good figure on bad input, honour presenter mode, and never import TensorFlow."""

import json

import pytest
from pages_list import open_app
from support import pages_leave_tensorflow_out

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


def figures(app) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in app.get("plotly_chart")]


def animations(app) -> list[dict]:
    """The animated figures on the page, in page order."""
    return [figure for figure in figures(app) if figure.get("frames")]


def step_labels(figure: dict) -> list[str]:
    return [step["label"] for step in figure["layout"]["sliders"][0]["steps"]]


def code_blocks(app) -> str:
    return " ".join(block.value for block in app.code)


def test_convolution_page_shows_the_example_and_the_digit(conv_app):
    example, digit = animations(conv_app)
    assert len(example["frames"]) == 9  # 5 x 5 image, 3 x 3 filter: 3 x 3 outputs
    assert example["frames"][8]["data"][-2]["text"][0].startswith("<b>sum = 4")  # the last cell is 4
    assert len(digit["frames"]) == 26 * 26
    assert "= 26" in code_blocks(conv_app)
    assert len(figures(conv_app)) == 5  # + raw, after ReLU, the stack of feature maps
    stack = figures(conv_app)[-1]
    assert len([trace for trace in stack["data"] if trace["type"] == "heatmap"]) == 4


def test_stride_padding_and_dilation_change_the_animation(conv_app):
    conv_app.selectbox(key="conv_stride").set_value(2).run()
    assert not conv_app.exception
    assert len(animations(conv_app)[1]["frames"]) == 13 * 13
    assert "/ 2) + 1 = 13" in code_blocks(conv_app)
    conv_app.selectbox(key="conv_stride").set_value(1).run()
    conv_app.selectbox(key="conv_padding").set_value("same").run()
    assert len(animations(conv_app)[1]["frames"]) == 28 * 28
    conv_app.selectbox(key="conv_padding").set_value("valid (none)").run()
    conv_app.selectbox(key="conv_dilation").set_value(2).run()
    assert len(animations(conv_app)[1]["frames"]) == 24 * 24


def test_another_preset_and_digit_change_the_numbers(conv_app):
    before = animations(conv_app)[1]["frames"][200]["data"]
    conv_app.selectbox(key="conv_preset").set_value("outline").run()
    assert not conv_app.exception
    after = animations(conv_app)[1]["frames"][200]["data"]
    assert after[1]["text"] != before[1]["text"]  # other products under the same window
    conv_app.number_input(key="conv_digit").set_value(7).run()
    assert animations(conv_app)[1]["frames"][200]["data"][0]["text"] != after[0]["text"]
    assert "Digit #7" in json.dumps(animations(conv_app)[1]["layout"]["annotations"])


def test_bad_kernel_cell_names_the_cell_and_keeps_the_last_good_figure(conv_app):
    good = animations(conv_app)[1]
    bad_cells = [["-1", "0", "1"], ["-1", "zero", "1"], ["-1", "0", "1"]]
    conv_app.session_state["conv_kernel_cells"] = bad_cells
    conv_app.run()
    assert not conv_app.exception
    message = conv_app.error[0].value
    assert "row 2, column 2" in message and "'zero'" in message and "last settings that worked" in message
    assert animations(conv_app)[1] == good
    conv_app.session_state["conv_kernel_cells"] = [["1e9", "0", "0"], ["0"] * 3, ["0"] * 3]
    conv_app.run()
    assert "too large" in conv_app.error[0].value and animations(conv_app)[1] == good


def test_stride_with_dilation_is_refused_with_a_sentence(conv_app):
    conv_app.selectbox(key="conv_stride").set_value(2).run()
    good = animations(conv_app)[1]
    conv_app.selectbox(key="conv_dilation").set_value(3).run()
    assert not conv_app.exception
    assert "stride 2, dilation 3" in conv_app.error[0].value
    assert animations(conv_app)[1] == good


def test_five_by_five_kernel_and_an_empty_stack(conv_app):
    conv_app.button_group(key="conv_size").set_value(5).run()
    assert not conv_app.exception
    assert len(animations(conv_app)[1]["frames"]) == 24 * 24
    conv_app.multiselect(key="conv_stack").set_value([]).run()
    assert not conv_app.exception and "Pick at least one kernel" in conv_app.info[0].value


def test_presenter_mode_enlarges_the_animation(conv_app):
    normal = animations(conv_app)[0]["layout"]["font"]["size"]
    conv_app.toggle(key="present").set_value(True).run()
    assert not conv_app.exception
    assert animations(conv_app)[0]["layout"]["font"]["size"] > normal


def test_pooling_page_animates_and_measures_the_shift(pool_app):
    (figure,) = animations(pool_app)
    assert len(figure["frames"]) == 6 * 6  # 12 x 12 region, 2 x 2 windows, stride 2
    assert "max =" in figure["frames"][0]["data"][-2]["text"][0]
    assert "= 6" in code_blocks(pool_app)
    assert len(pool_app.metric) == 2 and pool_app.metric[0].value.endswith("%")
    assert len(pool_app.dataframe) == 1


def test_pooling_controls_change_the_animation(pool_app):
    pool_app.button_group(key="pool_mode").set_value("average").run()
    assert not pool_app.exception
    assert "average =" in animations(pool_app)[0]["frames"][0]["data"][-2]["text"][0]
    pool_app.selectbox(key="pool_size").set_value(3).run()
    assert len(animations(pool_app)[0]["frames"]) == 4 * 4
    pool_app.selectbox(key="pool_region").set_value("the whole 26 x 26 map").run()
    pool_app.selectbox(key="pool_padding").set_value("same").run()
    assert len(animations(pool_app)[0]["frames"]) == 9 * 9
    metric_before = pool_app.metric[1].value
    pool_app.selectbox(key="pool_kernel").set_value("outline").run()
    assert not pool_app.exception and pool_app.metric[1].value != metric_before


def test_both_pages_leave_tensorflow_out():
    report = pages_leave_tensorflow_out([CONV_PAGE, POOL_PAGE])
    assert report == {"errors": [], "tensorflow": False, "keras": False}
