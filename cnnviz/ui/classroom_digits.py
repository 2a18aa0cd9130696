"""The students' two class activities with a digit: drawing the digit they are asked for for the
class's handwriting, and "fool the MLP" (shift, turn and resize a digit until the MLP is wrong
and the CNN still right). Only the normalised 28x28 digit (784 bytes) and labels are sent."""

from __future__ import annotations

import random

import numpy as np
import streamlit as st

from cnnviz import ui
from cnnviz.classroom import ClassroomError, ClassroomPaused, change_size, new_session_id, questions
from cnnviz.digits.transform import transform_digit
from cnnviz.ui import classroom as class_ui
from cnnviz.ui import digits as digits_ui

DRAWN_KEY = "class_draw_count"  # how many digits this student has sent (which prompt comes next)
CANVAS_ROUND_KEY = "class_draw_round"  # a new canvas after each digit sent


def prompt_digit() -> int:
    """The digit this student is asked to draw next: every digit once in a shuffled order (each
    student's own, so the class covers all ten), then again."""
    order = random.Random(class_ui.student_id()).sample(range(10), 10)
    return order[st.session_state.get(DRAWN_KEY, 0) % 10]


def canvas_key() -> str:
    """The drawing canvas' key: a new one (an empty canvas) after every digit sent."""
    return f"class_canvas_{st.session_state.get(CANVAS_ROUND_KEY, 0)}"


def answers(digit: np.ndarray) -> tuple[int, int, float, float] | None:
    """The MLP's and the class CNN's answers for a (28, 28) digit in 0..1, and how sure each is:
    ``(mlp_label, cnn_label, mlp_probability, cnn_probability)``; None after saying which network
    is missing."""
    if digits_ui.model_or_message(questions.MLP) is None or digits_ui.model_or_message(questions.CLASS_CNN) is None:
        return None
    mlp = digits_ui.zoo_probabilities(questions.MLP, digit)
    cnn = digits_ui.zoo_probabilities(questions.CLASS_CNN, digit)
    return int(mlp.argmax()), int(cnn.argmax()), float(mlp.max()), float(cnn.max())


def as_bytes_picture(digit: np.ndarray) -> np.ndarray:
    """A (28, 28) digit in 0..1 as the (28, 28) uint8 picture the class stores (784 bytes)."""
    return np.clip(np.rint(np.asarray(digit, np.float64) * 255), 0, 255).astype(np.uint8)


def canvas_picture(key: str) -> np.ndarray | None:
    """What the drawing canvas ``key`` last sent, as its (H, W, 4) RGBA array (as
    ``st_canvas(...).image_data`` decodes it), or None before the first stroke or for a broken one."""
    import base64
    import io

    from PIL import Image

    state = st.session_state.get(key) or {}
    data_url = (state.get("drawing") or {}).get("data") if hasattr(state, "get") else None
    if not isinstance(data_url, str) or ";base64," not in data_url:
        return None
    try:
        with Image.open(io.BytesIO(base64.b64decode(data_url.split(";base64,", 1)[1]))) as picture:
            return np.asarray(picture)
    except Exception:  # a broken message from the page: the student draws again
        return None


def send_drawing(code: str, key: str, asked: int) -> None:
    """A button's callback: normalise the canvas ``key``'s drawing the MNIST way, read it with both
    networks and send it to the class as the digit ``asked``; the run that follows shows the next
    prompt on an empty canvas (a callback, so a send costs one run, not two)."""
    from cnnviz import zoo
    from cnnviz.digits import images

    picture = canvas_picture(key)
    if picture is None:
        class_ui.leave_notice(info="Draw the digit first, then send it.")
        return
    try:
        digit = digits_ui.digit_steps(picture, None)[-1].image
        mlp_label = int(digits_ui.zoo_probabilities(questions.MLP, digit).argmax())
        cnn_label = int(digits_ui.zoo_probabilities(questions.CLASS_CNN, digit).argmax())
        class_ui.classroom().submit_digit(code, class_ui.student_id(), new_session_id(),
                                          as_bytes_picture(digit), asked, mlp_label, cnn_label)
    except (images.ImageError, zoo.ModelUnavailable) as error:
        class_ui.leave_notice(info=getattr(error, "summary", str(error)))
        return
    except (ClassroomError, ClassroomPaused) as error:
        class_ui.leave_notice(error)
        return
    st.session_state[DRAWN_KEY] = st.session_state.get(DRAWN_KEY, 0) + 1
    st.session_state[CANVAS_ROUND_KEY] = st.session_state.get(CANVAS_ROUND_KEY, 0) + 1
    class_ui.leave_notice(success=f"Your {asked} is on the class board: the MLP read {mlp_label}, "
                                  f"the CNN {cnn_label}. Here is the next one.")


def fool_digit_choice(x_test: np.ndarray, y_test: np.ndarray) -> tuple[np.ndarray, int, str]:
    """The digit to play with: a test digit (its class and number chosen here) or the student's own
    from "Your digit". Returns the (28, 28) digit in 0..1, its true label and a caption."""
    from cnnviz import data

    own = st.session_state.get(digits_ui.OWN_DIGIT_KEY)
    sources = ["A test digit"] + (["Your digit"] if own is not None else [])
    source_column, class_column, number_column = st.columns([2, 1, 1], vertical_alignment="bottom")
    source = source_column.radio("Digit", sources, horizontal=True, key="fool_source")
    if source == "Your digit":
        label = class_column.selectbox("It is a", list(range(10)), key="fool_own_label")
        return np.asarray(own, np.float32), int(label), "your digit from Your digit"
    digit_class = class_column.selectbox("Class", list(range(10)), index=7, key="fool_class")
    candidates = data.indices_of_class(y_test, digit_class)
    position = number_column.number_input("Which one", 0, len(candidates) - 1, 0, key="fool_position")
    index = int(candidates[int(position)])
    return data.scale(x_test[index]), int(y_test[index]), f"test digit #{index:,}"


@ui.fragment
def fool_sliders(digit: np.ndarray, label: int, code: str | None) -> None:
    """Sliders that move, turn and resize ``digit`` (28, 28), the moved digit, both networks'
    answers live, and (in a class) a button that sends the change to the class board."""
    shift_column, picture_column, answer_column = st.columns([2, 1, 2])
    with shift_column:
        shift_x = st.slider("Move right (pixels)", -6, 6, 0, key="fool_shift_x")
        shift_y = st.slider("Move down (pixels)", -6, 6, 0, key="fool_shift_y")
        rotation = st.slider("Turn anticlockwise (degrees)", -60, 60, 0, step=5, key="fool_rotation")
        scale = st.slider("Size", 0.6, 1.6, 1.0, step=0.05, key="fool_scale")
    moved = np.clip(transform_digit(digit, shift_x, shift_y, rotation, scale), 0, 1)
    picture_column.image(ui.picture(moved, 168), caption=f"a {label}, changed", width=168)
    read = answers(moved)
    if read is None:
        return
    mlp_label, cnn_label, mlp_sure, cnn_sure = read
    with answer_column:
        mlp_metric, cnn_metric = st.columns(2)
        for column, title, answer, sure in ((mlp_metric, "MLP says", mlp_label, mlp_sure),
                                            (cnn_metric, "CNN says", cnn_label, cnn_sure)):
            column.metric(title, answer, f"{sure:.0%} sure, {'right' if answer == label else 'wrong'}",
                          delta_color="normal" if answer == label else "inverse", delta_arrow="off")
        size = change_size(shift_x, shift_y, float(rotation), float(scale))
        fooled = mlp_label != label and cnn_label == label
        st.markdown(f"Size of your change: **{size:.1f}**. " + (
            "**The MLP is fooled and the CNN is not!**" if fooled else
            "Goal: the MLP wrong, the CNN right, with the smallest change."))
        if code is not None and st.button("Send my change to the class board", key="fool_send",
                                          icon=":material/send:", disabled=not fooled):
            try:
                class_ui.classroom().record_fool_attempt(code, class_ui.student_id(), new_session_id(), label,
                                                         shift_x, shift_y, float(rotation), float(scale),
                                                         mlp_label, cnn_label)
            except (ClassroomError, ClassroomPaused) as error:
                class_ui.say(error)
            else:
                st.success("Sent: the class board shows the smallest change that fools only the MLP.",
                           icon=":material/check_circle:")
