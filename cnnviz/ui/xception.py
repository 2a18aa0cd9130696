"""Cached loaders for the page "Xception on your photo": the one shared model, its facts, photos."""

from __future__ import annotations

import hashlib
import io

import streamlit as st

from cnnviz.ui import heavy
from cnnviz.ui.comparison import zoo_cards


@st.cache_resource(show_spinner="Loading Xception (22.9 million weights, once per server)...")
def xception(source: str):
    """The one Xception of this server: ``(model, [])``, or ``(None, problems)``, a list of
    :class:`cnnviz.xception.loading.ModelUnavailable` saying what is missing. A failure is kept too,
    so an offline server does not retry the download on every click; :func:`show_problems`'s
    Retry button clears it.

    The ImageNet class index is checked too: without the class names the model cannot answer.

    Args:
        source: :func:`cnnviz.xception.loading.weights_source`, so a changed setting means a fresh load.
    """
    from cnnviz.xception import loading

    problems = []
    try:
        loading.class_index()
    except loading.ModelUnavailable as error:
        problems.append(error)
    try:
        model = loading.load_xception()
    except loading.ModelUnavailable as error:
        problems.append(error)
    return (None, problems) if problems else (model, [])


def show_problems(problems: list) -> None:
    """Xception cannot name photos here: one plain sentence, the details for the server's operator
    behind an expander, and a Retry button (after the operator has fixed it)."""
    from cnnviz.ui import unavailable
    from cnnviz.xception import loading

    details = "\n\n".join(str(problem) for problem in problems)
    unavailable(loading.ModelUnavailable(details, summary=problems[0].summary))
    if st.button("Retry loading Xception", icon=":material/refresh:", key="xception_retry"):
        xception.clear()
        st.rerun()


def show_preparation(shown: dict, mode: str, fit_labels: dict, presenter: bool) -> None:
    """The photo as given, centre-cropped and squashed to 299 x 299, side by side (``shown``:
    :func:`preparation`); on the projector at most 300 px tall, so that the three fit the screen."""
    original_column, crop_column, squash_column = st.columns(3)
    width, height = shown["size"]
    shown_width = (lambda ratio: int(300 * min(1.0, ratio))) if presenter else (lambda ratio: "stretch")
    original_column.image(shown["original"], caption=f"Original: {width} x {height} pixels",
                          width=shown_width(width / height))
    for column, (label, fit) in zip((crop_column, squash_column), fit_labels.items()):
        used = " (used)" if fit == mode else ""
        column.image(shown[fit], caption=f"{label.capitalize()}: 299 x 299{used}", width=shown_width(1.0))


@st.cache_data(show_spinner="Counting Xception's parameters...")
def xception_facts() -> dict:
    """Size and depth of Xception: read from the server's Xception, or without one from an
    architecture with random weights (no download)."""
    from cnnviz.xception import loading

    return loading.architecture_facts(xception(loading.weights_source())[0])


@st.cache_data(show_spinner=False)
def xception_samples():
    """The sample photos available on this server and notes about missing ones (looked up once)."""
    from cnnviz.xception import imagenet

    photos, notes = imagenet.sample_photos()
    return [(photo.name, photo.path.read_bytes(), photo.expected) for photo in photos], notes


def photo_key(photo_bytes: bytes) -> str:
    """A short name for a photo's bytes: the caches below are keyed by it, so a 10 MB upload is
    hashed once per run, not once per cached call."""
    return hashlib.sha256(photo_bytes).hexdigest()


# A 12-megapixel JPEG decodes to 8.7 MB, a PNG to 36 MB. The server keeps the sample photos; a student's
# upload or camera shot (_own=True) stays in that student's session (cnnviz.ui.heavy), up to two photos.
@heavy.cached(max_mb=8, own_mb=20, limited=False)
def xception_photo(key: str, _photo_bytes: bytes, _own: bool = False):
    """Photo bytes -> a safe RGB/grey Pillow image (raises ``image_files.ImageError``), decoded once
    and shared read-only (every use below makes a new image from it)."""
    from cnnviz.digits import image_files

    return image_files.open_image(_photo_bytes)


# 0.08-0.16 MB each (three JPEGs, a table and a histogram figure): samples in the server's cache, a
# student's own photo in that student's session (cnnviz.ui.heavy), so a day of uploads does not pile up.
@heavy.cached(max_mb=4, own_mb=1, limited=False, spinner="Preparing the photo...")
def preparation(key: str, _photo_bytes: bytes, mode: str, presenter: bool, _own: bool = False) -> dict:
    """Everything the "Preprocess" tab shows, made once per photo, fit mode and presenter mode.

    Returns:
        ``{"original", "crop", "squash"}``: JPEG bytes for ``st.image`` (the original at most 640 px);
        ``"size"``: the original's (width, height); ``"summary"``: a DataFrame of value ranges;
        ``"histograms"``: a prepared Plotly figure of the values before and after preprocessing.
    """
    import pandas as pd

    from cnnviz.ui import prepared
    from cnnviz.xception import figures, imagenet

    photo = xception_photo(key, _photo_bytes, _own=_own)
    display = photo.copy()
    display.thumbnail((640, 640))
    before = imagenet.pixels(photo, mode)
    after = imagenet.scale_pixels(before)
    return {
        "original": _jpeg(display), "size": (photo.width, photo.height),
        "crop": _jpeg(imagenet.fit_to_input(photo, "crop")), "squash": _jpeg(imagenet.fit_to_input(photo, "squash")),
        "summary": pd.DataFrame(imagenet.value_summary(before, after)),
        "histograms": prepared(figures.value_histograms(before, after, presenter)),
    }


def _jpeg(image) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


@heavy.cached(max_mb=2, own_mb=0.1, spinner="Xception is looking at the photo (about a second)...")  # 4 KB each
def xception_analysis(key: str, _photo_bytes: bytes, mode: str, source: str, _own: bool = False):
    """Top-5 and their Grad-CAM heatmaps for a photo, from one forward pass; computed once per
    photo, fit mode and weights source: for a sample, shared by every student who picks it; for a
    student's own photo (``_own``), kept in that student's session.

    Raises:
        cnnviz.xception.loading.ModelUnavailable: Xception or its class names are not available.
    """
    from cnnviz.xception import imagenet, loading

    model, problems = xception(source)
    if model is None:
        raise problems[0]
    return imagenet.analyse(model, xception_photo(key, _photo_bytes, _own=_own), mode)


@heavy.cached(max_mb=16, own_mb=2, limited=False)  # 0.14 MB each (the overlay's picture), one per class and strength
def evidence_figures(key: str, _photo_bytes: bytes, mode: str, source: str, class_index: int, strength: float,
                     presenter: bool, title: str, _own: bool = False) -> tuple:
    """The Grad-CAM overlay and the 10 x 10 grid of one of the top-5 classes (its ImageNet index), prepared."""
    from cnnviz.ui import prepared
    from cnnviz.xception import figures, imagenet

    _, heatmaps = xception_analysis(key, _photo_bytes, mode, source, _own=_own)
    heatmap = heatmaps[class_index]
    overlay = imagenet.evidence_photo(xception_photo(key, _photo_bytes, _own=_own), heatmap, strength, mode)
    return (prepared(figures.gradcam_overlay(overlay, heatmap, presenter, title=f"Evidence for: {title}")),
            prepared(figures.gradcam_grid(heatmap, presenter, title="The 10 x 10 evidence grid")))


@heavy.cached(max_mb=1, own_mb=0.1, limited=False)  # 0.03 MB each
def answer_figure(key: str, _photo_bytes: bytes, mode: str, source: str, presenter: bool, _own: bool = False):
    """The top-5 bars of :func:`xception_analysis`, prepared: for a sample shared by the class, for a
    student's own photo (``_own``) kept in that student's session."""
    from cnnviz.ui import prepared
    from cnnviz.xception import figures

    predictions, _ = xception_analysis(key, _photo_bytes, mode, source, _own=_own)
    return prepared(figures.top_bars(predictions, presenter))


def mnist_cnn_params() -> int | None:
    """Parameter count of our MNIST CNN from its model card, or None when it is not there."""
    cards, _ = zoo_cards()
    return int(cards["cnn_chollet"]["params"]) if "cnn_chollet" in cards else None
