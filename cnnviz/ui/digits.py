"""Cached models, feature-map figures and digit steps for "Inside the CNN" and "Your digit"."""

from __future__ import annotations

import numpy as np
import streamlit as st

from cnnviz.ui import heavy, mnist, picture_png, unavailable

PLAYGROUND_SOURCE = "playground"  # the model choice meaning "the network I trained on the playground"
PLAYGROUND_MODEL_KEY = "playground_model"  # set by the playground page: a keras.Model
PLAYGROUND_NAME_KEY = "playground_model_name"
OWN_DIGIT_KEY = "digit_mnist"  # set by "Your digit": the student's digit after to_mnist, (28, 28)


@st.cache_resource(show_spinner="Loading the trained network...", max_entries=8)
def zoo_model(name: str):
    """A zoo model, loaded once per server and shared read-only (never mutate it).

    Raises:
        cnnviz.zoo.ModelUnavailable: missing or broken file (not cached: retried next run).
    """
    from cnnviz import zoo

    return zoo.load(name)


def zoo_titles() -> dict[str, str]:
    """Zoo model name -> its short human title, in lesson order (no Keras import)."""
    from cnnviz.zoo import architectures

    return {name: architectures.recipe(name).title for name in architectures.names()}


def playground_model():
    """The student's own trained model from the playground page, or None."""
    return st.session_state.get(PLAYGROUND_MODEL_KEY)


def canvas_or_message(summary: str):
    """``streamlit_drawable_canvas.st_canvas``, or None after saying ``summary`` (the import error and
    the fix go behind the expander for the person running the server)."""
    try:
        from streamlit_drawable_canvas import st_canvas  # only here: it needs a running app
    except Exception as error:  # the package is missing or broken on this server
        from cnnviz.problems import Unavailable

        unavailable(Unavailable(f"Importing streamlit_drawable_canvas failed: {error!r}. Reinstall the "
                                "requirements (`pip install -r requirements.txt`).", summary=summary))
        return None
    return st_canvas


def model_or_message(source: str):
    """The model for ``source`` (a zoo name or PLAYGROUND_SOURCE), or None after showing why not."""
    if source == PLAYGROUND_SOURCE:
        model = playground_model()
        if model is None:
            st.info("You have not trained a network on the playground yet. Train one there, or pick a zoo network.")
        return model
    from cnnviz import zoo

    try:
        return zoo_model(source)
    except zoo.ModelUnavailable as error:
        unavailable(error, level="info")
        return None


@st.cache_data(max_entries=512, show_spinner=False)
def zoo_probabilities(model_name: str, image: np.ndarray) -> np.ndarray:
    """A zoo model's ten probabilities for one (28, 28) digit."""
    from cnnviz.digits import activations

    return activations.probabilities(zoo_model(model_name), image, compiled_call=True)


# 0.6 MB (a canvas) to 1.5 MB (a photo) each: seven steps up to 512 px. Always a student's own digit, so kept
# in that student's session (cnnviz.ui.heavy), never the server's: it leaves with the student.
@heavy.cached(max_mb=0, own_mb=4, limited=False)
def digit_steps(raw, invert: bool | None, _own: bool = True) -> list:
    """``images.to_mnist_steps`` of an upload (bytes) or a canvas (array), cached by content in the session.

    Raises:
        cnnviz.digits.image_files.ImageError: unreadable, too large or blank (not cached).
    """
    from cnnviz.digits import images

    return images.to_mnist_steps(raw, invert)


@heavy.cached(max_mb=0, own_mb=0.5, limited=False)  # seven small PNGs: 8 kB together for a drawn digit
def digit_step_pictures(raw, invert: bool | None, side: int, _own: bool = True) -> list[bytes]:
    """Each of :func:`digit_steps`'s steps as a PNG about ``side`` px wide (``ui.picture_png``), kept in
    the session as the steps are: the server's picture cache is for what a class shares.

    Raises:
        cnnviz.digits.image_files.ImageError: as :func:`digit_steps`.
    """
    return [picture_png(step.image, side) for step in digit_steps(raw, invert)]


LESSON_FOR_NON_DIGITS = ("**A network trained on ten digits always answers one of the ten, and its confidence does "
                         "not mean it is right.** Look at the answers below with that in mind.")


@st.cache_resource(show_spinner=False)
def novelty_rule():
    """The fitted "does this look like a digit?" rule, read once per server (0.36 MB).

    Raises:
        cnnviz.digits.novelty.RuleUnavailable: its file is missing or broken (not cached: retried).
    """
    from cnnviz.digits import novelty

    return novelty.load_rule()


@st.cache_data(max_entries=256, show_spinner=False)
def digit_verdict(image: np.ndarray):
    """``novelty.assess`` of a student's (28, 28) digit, cached by content.

    Raises:
        cnnviz.digits.novelty.RuleUnavailable: the rule's file is missing (not cached).
    """
    from cnnviz.digits import novelty

    return novelty.assess(image, novelty_rule())


def warn_if_not_a_digit(image: np.ndarray) -> None:
    """Before the networks' answers: if the (28, 28) picture does not look like a handwritten
    digit, say so and why, with the lesson it teaches."""
    from cnnviz.digits import novelty

    try:
        verdict = digit_verdict(image)
    except novelty.RuleUnavailable as error:
        unavailable(error, level="info")
        return
    if not verdict.looks_like_a_digit:
        st.warning(f"{verdict.reason}\n\n{LESSON_FOR_NON_DIGITS}", icon=":material/help:")


def choose_default_network(key: str, labels: dict[str, str], preferred: str) -> None:
    """Before a bound network select box (``key``): keep the student's choice, else the link's (a
    bound select box with ``format_func`` keeps the label in the URL), else ``preferred`` or the
    first network trained on this server. A link naming a network this server lacks gets a notice.

    Args:
        key: the select box's key, which is also its URL parameter.
        labels: option (model name) -> label shown.
        preferred: the network to start from when neither the student nor the link chose.
    """
    linked = st.query_params.get(key)
    if st.session_state.get(key) in labels or linked in labels.values():
        return
    if linked:
        st.caption(f":material/link_off: This link asks for the network {linked!r}, which this server does not "
                   f"have; {labels.get(preferred, preferred)} is shown instead.")
    st.session_state[key] = next((name for name in [preferred, *labels] if zoo_model_exists(name)), preferred)


def zoo_model_exists(name: str) -> bool:
    """Whether the zoo network's file is on this server (cheap: no loading)."""
    from cnnviz import zoo

    try:
        return zoo.model_path(name).is_file()
    except zoo.ModelUnavailable:
        return False


@st.cache_resource(show_spinner=False)
def example_steps() -> list:
    """``images.to_mnist_steps`` of an example drawing: MNIST's first test digit (a 7) drawn small and
    off-centre on a 280 x 280 canvas, so that cropping, shrinking and centring all show."""
    from PIL import Image

    from cnnviz.digits import images

    (_, _), (x_test, _) = mnist()
    canvas = Image.new("L", (280, 280), 0)
    canvas.paste(Image.fromarray(x_test[0]).resize((130, 130), Image.Resampling.BILINEAR), (26, 34))
    return images.to_mnist_steps(np.asarray(canvas), invert=False)
