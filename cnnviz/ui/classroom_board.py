"""The class board on the projector: the class's handwriting (gallery, the networks' accuracy on
it next to their MNIST accuracy, confusion matrices, the mistakes, each one a click away from
"Inside the CNN") and the "fool the MLP" board. Each part polls the database every
:data:`POLL_SECONDS` (a few indexed reads) while it is open."""

from __future__ import annotations

import numpy as np
import streamlit as st

from cnnviz import ui
from cnnviz.classroom import ClassroomError, ClassroomPaused, figures, questions
from cnnviz.ui import classroom as class_ui

POLL_SECONDS = 3.0
GALLERY_SIZE = 40  # the newest digits shown
MISTAKES_SHOWN = 12
# Image captions are Streamlit's smallest text: on the projector they must stay readable too.
_CAPTION_CSS = """<style>
.st-key-class_gallery [data-testid="stImageCaption"], .st-key-class_mistakes [data-testid="stImageCaption"],
.st-key-class_gallery [data-testid="stImageCaption"] *, .st-key-class_mistakes [data-testid="stImageCaption"] *
  { font-size: %dpx !important; color: #000 !important; line-height: 1.2; }
</style>"""


def _caption_css() -> None:
    st.html(_CAPTION_CSS % (18 if ui.presenter() else 14))


def class_or_stop(what: str) -> str:
    """The code of this session's class; outside a class, a sentence saying how to get into one
    (``what`` names the page's purpose) and the page ends."""
    code = class_ui.current_class()
    class_ui.show_link_problem()
    if code is None:
        st.info(f"{what} The teacher starts a class in presenter mode (**Start a class** in the lesson "
                "line); students open the **Students' link** or scan its QR code.", icon=":material/groups:")
        ui.stop()
    return code


def _mnist_accuracy(name: str) -> float | None:
    from cnnviz.ui import comparison

    cards, _ = comparison.zoo_cards()
    return cards.get(name, {}).get("test_accuracy")


def _percent(value: float | None) -> str:
    return "no digits yet" if value is None else f"{value:.0%}"


def _read(reader, *args):
    """A board read, or None after saying why not."""
    try:
        return reader(*args)
    except (ClassroomError, ClassroomPaused) as error:
        class_ui.say(error)
        return None


@ui.fragment(run_every=POLL_SECONDS)
def handwriting(code: str) -> None:
    """How many digits, the two networks' accuracy on them and on MNIST, and the gallery."""
    _caption_css()
    summary = _read(class_ui.classroom().handwriting_summary, code)
    gallery = _read(class_ui.classroom().gallery, code, GALLERY_SIZE)
    if summary is None or gallery is None:
        return
    columns = st.columns(3)
    columns[0].metric("Digits from the class", summary.digit_count)
    for column, name, title, accuracy in ((columns[1], questions.MLP, "MLP", summary.mlp_accuracy),
                                          (columns[2], questions.CLASS_CNN, "CNN", summary.cnn_accuracy)):
        mnist = _mnist_accuracy(name)
        column.metric(f"{title} on your handwriting", _percent(accuracy),
                      None if mnist is None else f"{mnist:.1%} on MNIST's test digits",
                      delta_color="off", delta_arrow="off")
    if not gallery:
        st.info("No digits yet: students open **Draw for the class** and send the digits it asks for.",
                icon=":material/gesture:")
        return
    with st.container(key="class_gallery"):
        st.image([ui.picture(digit.pixels, 84) for digit in gallery],
                 caption=[figures.gallery_caption(digit) for digit in gallery], width=84)


@ui.fragment(run_every=POLL_SECONDS)
def confusion(code: str) -> None:
    """Both networks' confusion matrices on the class's digits, side by side."""
    summary = _read(class_ui.classroom().handwriting_summary, code)
    if summary is None:
        return
    present = ui.presenter()
    for column, matrix, title in zip(st.columns(2), (summary.mlp_confusion, summary.cnn_confusion),
                                     ("MLP", "CNN")):
        with column:
            accuracy = _percent(summary.mlp_accuracy if title == "MLP" else summary.cnn_accuracy)
            ui.plot(ui.cached_figure(figures.confusion_heatmap, matrix, present,
                                     f"{title}: {accuracy} of {summary.digit_count} right"),
                    key=f"class_confusion_{title}")


@ui.fragment(run_every=POLL_SECONDS)
def mistakes(code: str) -> None:
    """The newest digits a network misread; a click opens one on "Inside the CNN"."""
    _caption_css()
    gallery = _read(class_ui.classroom().gallery, code, 200)
    if gallery is None:
        return
    wrong = [digit for digit in gallery if digit.cnn_label != digit.label or digit.mlp_label != digit.label]
    if not wrong:
        st.info("No mistakes yet: both networks read every digit the class sent.", icon=":material/check_circle:")
        return
    st.markdown("Open a digit **inside the CNN** to see which feature maps led it astray.")
    with st.container(key="class_mistakes"):
        for row_start in range(0, min(len(wrong), MISTAKES_SHOWN), 6):
            for offset, column in enumerate(st.columns(6)):
                if row_start + offset >= min(len(wrong), MISTAKES_SHOWN):
                    break
                digit = wrong[row_start + offset]
                column.image(ui.picture(digit.pixels, 84), caption=figures.gallery_caption(digit), width=84)
                if column.button("Inside the CNN", key=f"class_open_{row_start + offset}",
                                 icon=":material/layers:"):
                    open_inside_the_cnn(digit.pixels)


def open_inside_the_cnn(pixels: np.ndarray) -> None:
    """Open "Inside the CNN" on a (28, 28) uint8 digit, with the class's CNN, as "Your digit" does."""
    from cnnviz.ui import digits as digits_ui

    st.session_state[digits_ui.OWN_DIGIT_KEY] = np.asarray(pixels, np.float32) / np.float32(255)
    st.session_state["inside_use_own_digit"] = True
    st.session_state["inside_model"] = questions.CLASS_CNN
    ui.switch_page("app_pages/inside_cnn.py")


@ui.fragment(run_every=POLL_SECONDS)
def fool_board(code: str) -> None:
    """The smallest changes that fooled the MLP but not the CNN, smallest first."""
    board = _read(class_ui.classroom().fool_board, code, 5)
    if board is None:
        return
    if not board:
        st.info("Nobody has fooled the MLP yet: students open **Fool the MLP**, move the sliders until the "
                "MLP is wrong and the CNN right, and send their change.", icon=":material/open_with:")
        return
    best = board[0]
    st.markdown(f"### Smallest change that fools the MLP: {figures.describe_change(best)}")
    st.markdown(f"A **{best.true_label}**: the MLP said **{best.mlp_label}**, the CNN still said "
                f"**{best.cnn_label}**. Size of the change: **{best.change_size:.1f}** (how far, in pixels, the "
                "edge of the digit moved).")
    rows = "\n".join(f"| {rank} | {attempt.true_label} | {figures.describe_change(attempt)} | "
                     f"{attempt.change_size:.1f} | {attempt.mlp_label} | {attempt.cnn_label} |"
                     for rank, attempt in enumerate(board, start=1))
    st.markdown("| | digit | change | size | MLP said | CNN said |\n|---|---|---|---|---|---|\n" + rows)
