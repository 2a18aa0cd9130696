"""AppTest of "Your digit" with a picture that is not a digit: the page says so, with the lesson,
before the networks' answers (which it still shows); a real MNIST digit gets no such warning."""

from __future__ import annotations

from digit_photos import dark_on_light, png_bytes
from pages_list import open_app
from support import photo_like

from cnnviz import zoo

YOUR_DIGIT = "app_pages/your_digit.py"
LESSON = "always answers one of the ten"


def upload(file_name: str, content: bytes, mime: str):
    app = open_app()
    app.switch_page(YOUR_DIGIT).run()
    app.radio(key="digit_mode").set_value("Upload a picture").run()
    app.get("file_uploader")[0].upload(file_name, content, mime)
    app.run()
    assert not app.exception, [error.value for error in app.exception]
    return app


def in_page_order(node):
    """Every element under ``node`` in the order the page shows them."""
    children = getattr(node, "children", None)
    if children is None:
        yield node
        return
    for index in sorted(children):
        yield from in_page_order(children[index])


def test_a_photo_that_is_not_a_digit_is_called_so_before_the_answers():
    app = upload("puppy.jpg", photo_like(), "image/jpeg")
    warnings = [block.value for block in app.warning]
    assert any(text.startswith("This does not look like a handwritten digit") and LESSON in text
               for text in warnings), warnings
    order = [element.type for element in in_page_order(app.main)]
    assert "warning" in order
    if zoo.model_path("mlp").is_file():  # the answers are still shown, under the warning
        assert "metric" in order
        assert order.index("warning") < order.index("metric"), order
        assert app.metric[0].value.isdigit()  # one of the ten, however wrong


def test_a_real_mnist_digit_gets_no_warning(mnist):
    (_, _), (x_test, _) = mnist
    app = upload("seven.png", png_bytes(dark_on_light(x_test[0]).resize((140, 140)).convert("RGB")), "image/png")
    assert not any(LESSON in block.value for block in app.warning)
    assert app.session_state["digit_mnist"].shape == (28, 28)
