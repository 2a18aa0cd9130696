"""Cached loaders for the page "Xception on your photo": the shared model, its facts, photos."""

from __future__ import annotations

import streamlit as st

from cnnviz.ui.comparison import zoo_cards

XCEPTION_MISSING_KEY = "xception_missing"


def _load_xception_quietly() -> None:
    """Background warm-up: load the shared Xception; an offline failure is shown later by the page."""
    from cnnviz.xception import imagenet

    try:
        imagenet.shared_xception()
    except imagenet.ModelUnavailable:
        pass


@st.cache_resource(show_spinner=False)
def _xception_warmup():
    import threading

    thread = threading.Thread(target=_load_xception_quietly, name="cnnviz-xception-warmup", daemon=True)
    thread.start()
    return thread


def warm_xception() -> None:
    """Start loading Xception in a background thread, once per server (no Streamlit in the thread)."""
    _xception_warmup()


@st.cache_resource(show_spinner="Loading Xception (22.9 million weights, once per server)...")
def xception(source: str):
    """``(model, None)`` or ``(None, message)``: the outcome is kept per weights source, so an
    offline server does not retry the download on every click (the page's Retry button clears it).

    Args:
        source: :func:`cnnviz.xception.imagenet.weights_source`, so a changed variable means a fresh load.
    """
    from cnnviz.xception import imagenet

    try:
        return imagenet.shared_xception(), None
    except imagenet.ModelUnavailable as error:
        return None, str(error)


@st.cache_data(show_spinner="Counting Xception's parameters...")
def xception_facts() -> dict:
    """Size and depth of Xception (from an architecture with random weights; no download)."""
    from cnnviz.xception import imagenet

    return imagenet.architecture_facts()


@st.cache_data(show_spinner=False)
def xception_samples():
    """The sample photos available on this server and notes about missing ones (looked up once)."""
    from cnnviz.xception import imagenet

    photos, notes = imagenet.sample_photos()
    return [(photo.name, photo.path.read_bytes(), photo.expected) for photo in photos], notes


@st.cache_data(max_entries=32, show_spinner="Decoding the photo...")
def xception_photo(photo_bytes: bytes):
    """Uploaded bytes -> a safe RGB/grey Pillow image (raises ``images.ImageError``)."""
    from cnnviz.digits import images

    return images.open_image(photo_bytes)


@st.cache_data(max_entries=64, show_spinner="Xception is looking at the photo (about a second)...")
def xception_analysis(photo_bytes: bytes, mode: str, source: str):
    """Top-5 and their Grad-CAM heatmaps for a photo, from one forward pass; computed once per
    photo, fit mode and weights source, then shared by every student who picks the same photo."""
    from cnnviz.xception import imagenet

    model, message = xception(source)
    if model is None:
        raise imagenet.ModelUnavailable(message)
    return imagenet.analyse(model, xception_photo(photo_bytes), mode)


def mnist_cnn_params() -> int | None:
    """Parameter count of our MNIST CNN from its model card, or None when it is not there."""
    cards, _ = zoo_cards()
    return int(cards["cnn_chollet"]["params"]) if "cnn_chollet" in cards else None


def retry_xception() -> None:
    """Forget a failed Xception load, so the next run tries again (e.g. after the file was copied)."""
    from cnnviz.xception import imagenet

    imagenet.forget_shared_xception()
    xception.clear()
