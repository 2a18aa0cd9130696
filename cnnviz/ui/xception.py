"""Cached loaders for the page "Xception on your photo": the one shared model, its facts, photos."""

from __future__ import annotations

import streamlit as st

from cnnviz.ui.comparison import zoo_cards


@st.cache_resource(show_spinner="Loading Xception (22.9 million weights, once per server)...")
def xception(source: str):
    """The one Xception of this server: ``(model, None)``, or ``(None, message)`` saying what is
    missing. A failure is kept too, so an offline server does not retry the download on every
    click; :func:`xception_or_warning`'s Retry button clears it.

    The ImageNet class index is checked too: without the class names the model cannot answer.
    When both are missing, the message says so for both.

    Args:
        source: :func:`cnnviz.xception.loading.weights_source`, so a changed setting means a fresh load.
    """
    from cnnviz.xception import loading

    problems = []
    try:
        loading.class_index()
    except loading.ModelUnavailable as error:
        problems.append(str(error))
    try:
        model = loading.load_xception()
    except loading.ModelUnavailable as error:
        problems.append(str(error))
    return (None, "\n\n".join(problems)) if problems else (model, None)


def xception_or_warning():
    """The shared Xception, or None after a warning that says what is missing, with a Retry button."""
    from cnnviz.xception import loading

    model, message = xception(loading.weights_source())
    if model is None:
        st.warning(
            "**Xception is not available on this server**, so it cannot name photos right now. "
            f"The preprocessing and the facts below still work.\n\n{message}",
            icon=":material/cloud_off:",
        )
        if st.button("Retry loading Xception", icon=":material/refresh:", key="xception_retry"):
            xception.clear()
            st.rerun()
    return model


@st.cache_data(show_spinner="Counting Xception's parameters...")
def xception_facts() -> dict:
    """Size and depth of Xception (from an architecture with random weights; no download)."""
    from cnnviz.xception import loading

    return loading.architecture_facts()


@st.cache_data(show_spinner=False)
def xception_samples():
    """The sample photos available on this server and notes about missing ones (looked up once)."""
    from cnnviz.xception import imagenet

    photos, notes = imagenet.sample_photos()
    return [(photo.name, photo.path.read_bytes(), photo.expected) for photo in photos], notes


@st.cache_data(max_entries=32, show_spinner="Decoding the photo...")
def xception_photo(photo_bytes: bytes):
    """Uploaded bytes -> a safe RGB/grey Pillow image (raises ``image_files.ImageError``)."""
    from cnnviz.digits import image_files

    return image_files.open_image(photo_bytes)


@st.cache_data(max_entries=64, show_spinner="Xception is looking at the photo (about a second)...")
def xception_analysis(photo_bytes: bytes, mode: str, source: str):
    """Top-5 and their Grad-CAM heatmaps for a photo, from one forward pass; computed once per
    photo, fit mode and weights source, then shared by every student who picks the same photo.

    Raises:
        cnnviz.xception.loading.ModelUnavailable: Xception or its class names are not available.
    """
    from cnnviz.xception import imagenet, loading

    model, message = xception(source)
    if model is None:
        raise loading.ModelUnavailable(message)
    return imagenet.analyse(model, xception_photo(photo_bytes), mode)


def mnist_cnn_params() -> int | None:
    """Parameter count of our MNIST CNN from its model card, or None when it is not there."""
    cards, _ = zoo_cards()
    return int(cards["cnn_chollet"]["params"]) if "cnn_chollet" in cards else None
