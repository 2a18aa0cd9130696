"""AppTest of "Inside the CNN" and "Your digit": the pages run, react to widgets, accept an
uploaded digit, refuse a bad file kindly, and hand the student's digit from one page to the other.

Zoo models may be missing (they are trained separately): the pages must then show a message, and
the tests that need a zoo model skip. A tiny untrained model stands in as a "playground" network.
"""

from __future__ import annotations

import json

import numpy as np
from digit_photos import dark_on_light, png_bytes
from pages_list import open_app

from cnnviz import zoo

INSIDE, YOUR_DIGIT = "app_pages/inside_cnn.py", "app_pages/your_digit.py"


def tiny_cnn():
    import keras
    from keras import layers

    keras.utils.set_random_seed(5)
    inputs = keras.Input(shape=(28, 28, 1))
    x = layers.Conv2D(4, 3, activation="relu", name="conv_a")(inputs)
    x = layers.MaxPooling2D(2, name="pool_a")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(6, activation="relu", name="dense")(x)
    outputs = layers.Dense(10, activation="softmax", name="digit")(x)
    return keras.Model(inputs, outputs, name="tiny")


def chart_specs(app) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in app.get("plotly_chart")]


def explorer_titles(app) -> list[str]:
    return [json.loads(element.proto.json)["titles"]["input"] for element in app.get("bidi_component")]


def zoo_has(name: str) -> bool:
    return zoo.model_path(name).is_file()


def open_page(path: str, **state):
    app = open_app()
    for key, value in state.items():
        app.session_state[key] = value
    app.switch_page(path).run()
    assert not app.exception, [error.value for error in app.exception]
    return app


def test_inside_the_cnn_with_a_playground_network_shows_every_layer():
    app = open_page(INSIDE, playground_model=tiny_cnn(), playground_model_name="my tiny net")
    app.selectbox(key="inside_model").select("playground").run()
    assert not app.exception, [error.value for error in app.exception]
    headings = [block.value for block in app.subheader]
    assert any(heading.startswith("conv_a") and "26 x 26 x 4" in heading for heading in headings), headings
    assert any(heading.startswith("pool_a") and "13 x 13 x 4" in heading for heading in headings)
    assert any(heading.startswith("dense") for heading in headings)
    assert not app.get("plotly_chart")  # pictures, not charts: no Plotly bundle for this page
    # the network at a glance, the filters, the two map layers, the dense layer and the probabilities
    assert len(app.get("image")) == 6

    before = app.get("image")[0].proto.imgs[0].url
    app.selectbox(key="inside_class").select(3).run()
    assert not app.exception
    assert app.get("image")[0].proto.imgs[0].url != before  # another digit, another picture

    close_up = explorer_titles(app)
    shown_map = app.slider(key="inside_detail_map").value
    app.slider(key="inside_detail_map").set_value((shown_map + 1) % 4).run()
    assert not app.exception
    assert explorer_titles(app) != close_up
    assert f"map {(shown_map + 1) % 4}" in explorer_titles(app)[0]
    assert any(f"Filter {(shown_map + 1) % 4} of conv_a" in block.value for block in app.info)


def test_the_close_up_opens_on_the_most_active_map_and_a_link_still_wins():
    from cnnviz import data
    from cnnviz.digits import activations, overview

    (_, _), (x_test, y_test) = data.load_mnist()
    app = open_page(INSIDE)
    chosen = app.session_state["inside_model"]
    image = data.scale(x_test[int(data.indices_of_class(y_test, 0)[0])])
    first_layer = app.selectbox(key="inside_detail_layer").value
    maps = dict((entry.layer_name, entry.output) for entry in
                activations.feature_maps(zoo.load(chosen), image))[first_layer]
    assert app.slider(key="inside_detail_map").value == overview.most_active_maps(maps, 1)[0] != 0
    linked = open_app({"inside_detail_map": "3"}).switch_page(INSIDE)
    linked.query_params["inside_detail_map"] = "3"
    linked.run()
    assert linked.slider(key="inside_detail_map").value == 3


def test_inside_the_cnn_shows_a_trained_zoo_network_and_explains_a_missing_one():
    app = open_page(INSIDE)
    chosen = app.session_state["inside_model"]
    if zoo_has(chosen):  # the default is the lesson's CNN, or the first one trained on this server
        assert len(app.get("image")) >= 5
    else:
        assert any("not on this server" in block.value for block in app.info)
    missing = [name for name in zoo.names() if name != "mlp" and not zoo_has(name)]
    if missing:
        app.selectbox(key="inside_model").set_value(missing[0]).run()
        assert not app.exception
        assert any("not on this server" in block.value for block in app.info)
        assert any("python -m cnnviz.zoo" in block.value for block in app.expander[-1].markdown)


def test_your_digit_reaches_inside_the_cnn():
    digit = np.zeros((28, 28), dtype=np.float32)
    digit[4:24, 12:16] = 1.0
    app = open_page(INSIDE, digit_mnist=digit, inside_use_own_digit=True, playground_model=tiny_cnn())
    assert app.radio(key="inside_source").value == "Your digit"
    app.selectbox(key="inside_model").select("playground").run()
    assert not app.exception
    assert any("your digit" in caption.value for caption in app.caption)


def test_your_digit_starts_with_an_example_and_a_hint():
    """Before a student has drawn anything, the seven steps show on an example drawing (the lesson's
    notice talks about them), with a hint; no prediction yet."""
    app = open_page(YOUR_DIGIT)
    assert any("Draw a digit, upload a picture" in block.value for block in app.info)
    assert any("an example, a 7 drawn small and off-centre" in block.value for block in app.markdown)
    assert len(app.get("image")) == 7 + 1  # the example's seven steps and an MNIST digit
    assert not app.metric


def test_uploading_a_digit_shows_the_steps_and_the_predictions(mnist):
    (_, _), (x_test, y_test) = mnist
    app = open_page(YOUR_DIGIT)
    app.radio(key="digit_mode").set_value("Upload a picture").run()
    upload = png_bytes(dark_on_light(x_test[0]).resize((140, 140)).convert("RGB"))
    app.get("file_uploader")[0].upload("seven.png", upload, "image/png")
    app.run()
    assert not app.exception, [error.value for error in app.exception]
    images = app.get("image")
    assert len(images) == 7 + 1  # the seven steps, then the example MNIST digit
    assert app.session_state["digit_mnist"].shape == (28, 28)
    assert "inverted" in str(images[1].proto)  # dark ink on white paper was recognised
    if zoo_has("mlp"):
        predictions = [metric.value for metric in app.metric]
        assert predictions and predictions[0] == str(y_test[0]), predictions
    else:
        assert any("not on this server" in block.value for block in app.info)


def test_a_bad_upload_is_a_readable_error():
    app = open_page(YOUR_DIGIT)
    app.radio(key="digit_mode").set_value("Upload a picture").run()
    app.get("file_uploader")[0].upload("homework.png", b"not a picture at all", "image/png")
    app.run()
    assert not app.exception
    assert any("not a picture we can read" in block.value for block in app.error)


def test_ink_override_changes_the_result(mnist):
    (_, _), (x_test, _) = mnist
    app = open_page(YOUR_DIGIT)
    app.radio(key="digit_mode").set_value("Upload a picture").run()
    app.get("file_uploader")[0].upload("digit.png", png_bytes(dark_on_light(x_test[1])), "image/png")
    app.run()
    guessed = app.session_state["digit_mnist"].copy()
    app.radio(key="digit_ink").set_value("Light ink on dark background").run()
    assert not app.exception
    assert not np.array_equal(app.session_state["digit_mnist"], guessed)


def test_a_broken_canvas_package_is_a_sentence_and_upload_still_works(monkeypatch):
    """streamlit_drawable_canvas missing or broken: Your digit says so in one sentence, with the
    import error behind the operator's expander, and the upload choice still works."""
    import sys

    monkeypatch.setitem(sys.modules, "streamlit_drawable_canvas", None)  # import raises ImportError
    app = open_page(YOUR_DIGIT)
    assert not app.exception
    assert any("drawing canvas is not available on this server: upload a picture instead" in block.value
               for block in app.warning)
    assert any("streamlit_drawable_canvas" in block.value and "pip install" in block.value
               for expander in app.expander for block in expander.markdown)
    app.radio(key="digit_mode").set_value("Upload a picture").run()
    assert not app.exception and app.get("file_uploader")
