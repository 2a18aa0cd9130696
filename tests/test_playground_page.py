"""The "Train your own CNN" page through AppTest: instant layer table, clamped links, sweep answer,
and one tiny real training run through the page (256 images, 1 epoch)."""

import pytest
from pages_list import open_app
from support import html_tables, until

from cnnviz.playground import sweep

PAGE = "app_pages/playground.py"


def _open(query_params=None):
    app = open_app(query_params)
    app.switch_page(PAGE).run()
    assert not app.exception, [error.value for error in app.exception]
    return app


def _layer_table(app):
    return html_tables(app)[0]


def test_sliders_update_the_layer_table_at_once():
    app = _open()
    table = _layer_table(app)
    assert list(table["layer"])[:2] == ["conv_1", "pool_1"]
    assert list(table["parameters"])[:3] == ["320", "0", "9,248"]  # 32 filters of 3x3
    app.select_slider(key="playground_filters").set_value(64).run()
    table = _layer_table(app)
    assert list(table["parameters"])[0] == "640" and list(table["output shape"])[0] == "26 x 26 x 64"
    app.slider(key="playground_blocks").set_value(1).run()
    assert "conv_2" not in list(_layer_table(app)["layer"])
    assert not app.exception


def test_a_network_that_shrinks_to_nothing_explains_itself_and_cannot_train():
    app = _open({"blocks": "3", "kernel": "5", "pool": "1"})
    assert any("shrinks the 28x28 image to nothing" in error.value for error in app.error)
    assert app.button(key="playground_train").disabled
    app.toggle(key="playground_pool").set_value(False).run()
    assert not app.error and not app.button(key="playground_train").disabled


def test_out_of_range_link_values_are_clamped_with_a_warning():
    app = _open({"filters": "1000", "dropout": "5", "blocks": "x"})
    assert app.select_slider(key="playground_filters").value == 64
    assert app.slider(key="playground_dropout").value == pytest.approx(0.7)
    assert app.slider(key="playground_blocks").value == 2
    assert len(app.warning) == 3
    assert app.query_params["filters"] == ["64"] or app.query_params["filters"] == "64"


def test_the_sweep_answers_for_the_sliders_setting():
    app = _open({"filters": "4", "dropout": "0"})
    first = app.metric[0].value
    app.select_slider(key="playground_filters").set_value(64).run()
    second = app.metric[0].value
    assert first.endswith("%") and second.endswith("%") and first != second
    expected = sweep.lookup(sweep.load(), sweep.DEFAULT_BASE.__class__(filters=64, dropout=0.0)).cell
    assert second == f"{expected['test_accuracy'] * 100:.2f}%"


def test_the_settings_curves_are_drawn_only_once_asked_for():
    """The map is a picture and the page opens with no Plotly chart; the per-epoch curves of the
    setting wait in a closed expander (a Plotly chart held the page back in a slow laptop's browser)."""
    app = _open()
    assert len(app.get("plotly_chart")) == 0 and app.expander[0].label == "That setting's accuracy per epoch"
    app.session_state["playground_sweep_epochs"] = True  # what opening it does
    app.run()
    assert not app.exception and len(app.get("plotly_chart")) == 1


def test_settings_the_grid_never_trained_get_no_headline_number():
    """1 epoch on 1,000 images trained to about 52% in class, while the nearest grid cell says 95%: the
    page must not promise that number. It names what differs and shows no headline."""
    app = _open({"epochs": "1", "samples": "1000"})
    assert not app.metric
    text = " ".join(block.value for block in app.markdown)
    assert "not trained with your settings" in text and "epochs: 3 (you chose 1)" in text and "training images: 10,000 (you chose 1,000)" in text


def test_a_tiny_training_run_through_the_page_gives_a_test_accuracy():
    import keras  # imported here once, so the page's background thread does not pay for it

    app = _open({"samples": "256", "epochs": "1", "filters": "4", "blocks": "1", "dense": "16"})
    app.button(key="playground_train").click().run()
    assert not app.exception
    assert until(lambda: not app.session_state["playground_live"].snapshot().active, timeout=120)
    app.run()  # the page records the finished run
    assert not app.exception, [error.value for error in app.exception]
    assert any("Test accuracy" in message.value for message in app.success)
    runs = app.session_state["playground_runs"]
    assert len(runs) == 1 and 0.0 < runs[0]["test_accuracy"] <= 1.0
    assert isinstance(app.session_state["playground_model"], keras.Model)
    assert app.session_state["playground_model_name"].startswith("run 1")
    assert len(runs[0]["history"]["val_accuracy"]) == 1


def test_two_students_training_at_once_one_is_queued_and_stop_frees_everything():
    from cnnviz.playground import slots

    settings = {"samples": "5000", "epochs": "20", "filters": "4", "blocks": "1", "dense": "16"}
    first, second = _open(settings), _open(settings)
    first.button(key="playground_train").click().run()
    assert until(lambda: first.session_state["playground_live"].snapshot().status == "training")
    second.button(key="playground_train").click().run()
    assert until(lambda: second.session_state["playground_live"].snapshot().position == 1)
    second.run()
    assert any("number 1** in the queue" in message.value for message in second.info)
    assert slots.server_limiter().counts() == (1, 1)
    second.button(key="playground_stop").click().run()  # leave the queue
    first.button(key="playground_stop").click().run()  # stop training
    assert until(lambda: not first.session_state["playground_live"].snapshot().active)
    assert until(lambda: not second.session_state["playground_live"].snapshot().active)
    assert slots.server_limiter().counts() == (0, 0)
    second.run()
    assert any("left the queue" in message.value for message in second.warning)
    assert not first.exception and not second.exception
