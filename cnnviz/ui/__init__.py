"""cnnviz.ui, the only part of cnnviz that imports Streamlit: presenter mode, cached loaders, shared widgets.

Pages call these helpers and stay thin; everything numeric lives in the other cnnviz modules.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from cnnviz import data

PRESENTER_KEY = "present"
PRESENTER_PARAM = "present"

# Less empty space around the page: a 1280x720 projector has none to spare.
_BASE_CSS = """
<style>
[data-testid="stMainBlockContainer"] { padding: 2.2rem 2rem 2rem 2rem; max-width: none; }
</style>
"""

# Bigger root font scales all of Streamlit's rem-based text; black text, thick widget labels.
_PRESENTER_CSS = """
<style>
html { font-size: 22px !important; }
.stApp, .stMarkdown, .stCaption, label, p, li { color: #000000 !important; }
[data-testid="stCaptionContainer"] { font-size: 1rem; }
[data-testid="stWidgetLabel"] p { font-weight: 600; }
</style>
"""


def skip_keras_clear_session() -> None:
    """Stop Streamlit from calling ``keras.backend.clear_session()`` after every script run.

    Once any page has imported Keras, Streamlit clears Keras' session after every run of every
    session: a full garbage collection that holds the GIL for ~240 ms on a 2-core server (measured)
    and slows every student's page and any training in the server. cnnviz never relies on Keras'
    global state between runs (models are built once and cached), so only Streamlit's matplotlib
    clean-up is kept. If Streamlit renames its hook, this does nothing.
    """
    import sys

    from streamlit.runtime.scriptrunner import script_runner

    if not hasattr(script_runner, "_clean_problem_modules"):
        return

    def close_matplotlib_figures() -> None:
        pyplot = sys.modules.get("matplotlib.pyplot")
        if pyplot is not None:
            pyplot.close("all")

    script_runner._clean_problem_modules = close_matplotlib_figures


def presenter_toggle() -> bool:
    """Sidebar toggle shared by all pages, bound to the URL as ``?present=true``.

    Call once per run from the router. An older link's ``?present=1`` still switches it on (the
    address bar then says ``present=true`` from the next change on).
    Returns whether presenter mode is on.
    """
    if PRESENTER_KEY not in st.session_state and st.query_params.get(PRESENTER_PARAM) == "1":
        st.session_state[PRESENTER_KEY] = True
    on = st.sidebar.toggle(
        "Presenter mode",
        key=PRESENTER_KEY,
        bind="query-params",
        help="Large, high-contrast text for a projector, and a QR code of the current view for students. "
             "Links keep it on with ?present=true.",
    )
    st.html(_BASE_CSS)
    if on:
        st.html(_PRESENTER_CSS)
    return on


def presenter() -> bool:
    """Whether presenter mode is on for this user (figure builders take it as an argument)."""
    return bool(st.session_state.get(PRESENTER_KEY, False))


class PreparedFigure(go.Figure):
    """A built figure frozen as its plain spec (see :func:`prepared`)."""

    def __init__(self, spec: dict):
        super().__init__()
        self._prepared_spec = spec

    def to_dict(self) -> dict:
        return self._prepared_spec


def prepared(figure: go.Figure) -> PreparedFigure:
    """``figure`` frozen as its plain spec, ready for every student's page.

    ``st.plotly_chart`` calls ``figure.to_dict()``, a deep copy of every trace, on every render:
    for a cached figure that is most of a page's CPU. A prepared figure hands back the spec built
    once. Nothing may change it afterwards (``st.plotly_chart`` only reads it).
    """
    return figure if isinstance(figure, PreparedFigure) else PreparedFigure(figure.to_dict())


def plot(figure, key: str | None = None) -> None:
    """Show a Plotly figure full width, without Plotly's logo."""
    st.plotly_chart(figure, width="stretch", key=key, config={"displaylogo": False})


@st.cache_resource(show_spinner="Loading MNIST (60 000 + 10 000 digits)...")
def mnist() -> tuple[data.Split, data.Split]:
    """MNIST, loaded once per server and shared read-only by every session."""
    (x_train, y_train), (x_test, y_test) = data.load_mnist()
    for array in (x_train, y_train, x_test, y_test):
        array.flags.writeable = False  # shared by all students: nobody may change it
    return (x_train, y_train), (x_test, y_test)


def cached_figure(build, *args, cache_key: tuple | None = None, **kwargs):
    """``build(*args, **kwargs)``, built once per distinct arguments, prepared, shared by every session.

    Plotly builds are validation-heavy (20-300 ms each) and a class asks for the same few digits.
    ``cache_resource`` hands back the same object without copying; that is safe because
    ``st.plotly_chart`` only reads it. Pass small arguments (a 28x28 image, a label), never the
    whole dataset: they are hashed on every call. For arguments that are costly to hash (model
    cards with their histories) pass ``cache_key``, a small tuple naming everything the figure
    depends on; the arguments themselves are then not hashed.
    """
    return _shared("figure", build, args, kwargs, cache_key)


def cached_table(build, *args, cache_key: tuple | None = None, **kwargs):
    """``build(*args, **kwargs)`` (columns or rows for ``st.dataframe``) as a pandas DataFrame made
    once per server; ``st.dataframe`` would otherwise convert it on every render. Arguments and
    ``cache_key`` as for :func:`cached_figure`."""
    return _shared("table", build, args, kwargs, cache_key)


def _shared(kind: str, build, args: tuple, kwargs: dict, cache_key: tuple | None):
    name = f"{build.__module__}.{build.__qualname__}"
    if cache_key is None:
        return _shared_by_arguments(kind, name, build, *args, **kwargs)
    return _shared_by_key(kind, name, cache_key, build, args, kwargs)


def _finished(kind: str, built):
    """A figure prepared for sharing, or rows as a DataFrame."""
    if kind == "figure":
        return prepared(built)
    import pandas as pd

    return pd.DataFrame(built)


@st.cache_resource(max_entries=2048, show_spinner=False)
def _shared_by_arguments(kind: str, builder_name: str, _build, *args, **kwargs):
    """Cache entry keyed by the builder's name and arguments (functions themselves can't be hashed)."""
    return _finished(kind, _build(*args, **kwargs))


@st.cache_resource(max_entries=512, show_spinner=False)
def _shared_by_key(kind: str, builder_name: str, cache_key: tuple, _build, _args: tuple, _kwargs: dict):
    """Cache entry keyed by the builder's name and ``cache_key``; the arguments are not hashed."""
    return _finished(kind, _build(*_args, **_kwargs))


@st.cache_resource(max_entries=1024, show_spinner=False)
def picture(image: np.ndarray, side: int = 140) -> bytes:
    """A grey image (0..1 floats or uint8) enlarged to about ``side`` px with crisp pixels, as PNG
    bytes for ``st.image``: encoded once per server, not on every student's rerun."""
    import io

    from PIL import Image

    from cnnviz.digits import images

    buffer = io.BytesIO()
    Image.fromarray(images.enlarge(image, side)).save(buffer, format="PNG")
    return buffer.getvalue()


def mnist_or_stop() -> tuple[data.Split, data.Split]:
    """MNIST, or a readable error on the page and a stop of this page only."""
    try:
        return mnist()
    except data.DatasetUnavailable as error:
        st.error(f"**MNIST is not available.** {error}")
        st.stop()


def query_int(name: str) -> int | None:
    """An integer URL parameter, or None when it is absent or not a whole number."""
    raw = st.query_params.get(name)
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        st.warning(f"The URL asks for {name}={raw!r}, which is not a whole number; it was ignored.")
        return None


def url_parameters() -> dict[str, list[str]]:
    """Every URL parameter with all its values (a range slider writes a name twice)."""
    return {name: st.query_params.get_all(name) for name in st.query_params}

