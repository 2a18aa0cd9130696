"""cnnviz.ui, the only part of cnnviz that imports Streamlit: presenter mode, cached loaders, shared widgets.

Pages call these helpers and stay thin; everything numeric lives in the other cnnviz modules.
"""

from __future__ import annotations

import contextlib
import functools

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from cnnviz import data
from cnnviz.ui import tables

PRESENTER_KEY = "present"
PRESENTER_PARAM = "present"

# Less empty space around the page: a 1280x720 projector has none to spare.
_BASE_CSS = f"""
<style>
[data-testid="stMainBlockContainer"] {{ padding: 2.2rem 2rem 2rem 2rem; max-width: none; }}
.stElementContainer:has(.cnnviz-run) {{ display: none; }}
/* A wide picture's fullscreen button inside its top-right corner, not above it, where it covered the
   control next to it (Inside the CNN's "+" on the projector). Small pictures keep it above them. */
.st-key-wide_picture .stElementContainer:has([data-testid="stImage"]) [data-testid="stElementToolbar"] {{
  top: 0.25rem; right: 0.25rem; }}
{tables.TABLE_CSS}
</style>
"""
RUN_COUNTER_KEY = "_cnnviz_runs_drawn"

# Presenter mode turns a page into a slide for a 1280x720 projector: a bigger root font scales all of
# Streamlit's rem-based text (22 px body, no text under 18 px), black text, a title on one line, no
# header bar over the lesson line (the sidebar's arrow stays), and less padding.
_PRESENTER_CSS = """
<style>
html { font-size: 22px !important; }
.stApp, .stMarkdown, .stCaption, label, p, li { color: #000000 !important; }
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p, [data-testid="stWidgetLabel"] p,
[data-testid="stCode"] code, [data-testid="stTab"] p, [data-testid="stMetricLabel"] p,
[data-testid="stMetricDelta"] div, [data-testid="stTable"] td, [data-testid="stTable"] th,
.cnnviz-table td, .cnnviz-table th,
[data-testid="stTooltipContent"] p { font-size: max(0.9rem, 18px) !important; }
[data-testid="stWidgetLabel"] p { font-weight: 600; }
[data-testid="stHeader"], [data-testid="stHeader"] * { background: transparent; pointer-events: none; }
[data-testid="stHeader"] { height: 0; }
[data-testid="stHeader"] button, [data-testid="stExpandSidebarButton"] { pointer-events: auto; }
[data-testid="stMainBlockContainer"] { padding: 0.35rem 1rem 1rem 3rem; }
[data-testid="stMainBlockContainer"] h1 { font-size: 1.55rem; padding: 0.1rem 0 0.2rem 0; line-height: 1.25; }
[data-testid="stMainBlockContainer"] h2 { font-size: 1.25rem; padding: 0.4rem 0 0.1rem 0; }
[data-testid="stMainBlockContainer"] h3 { font-size: 1.1rem; padding: 0.3rem 0 0.1rem 0; }
[data-testid="stVerticalBlock"] { gap: 0.55rem; }
.st-key-lesson_line [data-testid="stPageLink-NavLink"] { padding: 0 0.3rem; }
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
        close = getattr(pyplot, "close", None)  # None while another thread is still importing pyplot
        if close is not None:
            close("all")

    script_runner._clean_problem_modules = close_matplotlib_figures


def presenter_toggle() -> bool:
    """Sidebar toggle shared by all pages, kept in the URL as ``?present=true`` (exactly once).

    Call once per run from the router. The link decides on a session's first run (an older link's
    ``?present=1`` still switches it on); from then on the switch decides and writes the URL. It is
    not a ``bind="query-params"`` widget: Streamlit then adds its own ``present=true`` to a page
    link's, and the lesson's Next links gathered one more on every step.
    Returns whether presenter mode is on.
    """
    linked = st.query_params.get_all(PRESENTER_PARAM)
    if PRESENTER_KEY not in st.session_state:
        st.session_state[PRESENTER_KEY] = bool(linked) and linked[-1].lower() in ("true", "1")
    on = st.sidebar.toggle(
        "Presenter mode",
        key=PRESENTER_KEY,
        help="Large, high-contrast text for a projector, and a QR code of the current view for students. "
             "Links keep it on with ?present=true.",
    )
    if on and linked != ["true"]:
        st.query_params[PRESENTER_PARAM] = "true"
    elif not on and linked:
        del st.query_params[PRESENTER_PARAM]
    st.html(_BASE_CSS)
    if on:
        st.html(_PRESENTER_CSS)
    return on


def run_marker() -> None:
    """An invisible element, the last one a script run (or a fragment's run) draws.

    It carries a number that grows with every run of this session (``data-run``), so that anyone
    watching the page, the browser tests above all, can tell that the run they started has drawn
    everything: a newer number is on the page and Streamlit says the script is no longer running.
    """
    number = st.session_state.get(RUN_COUNTER_KEY, 0) + 1
    st.session_state[RUN_COUNTER_KEY] = number
    st.html(f'<div class="cnnviz-run" data-run="{number}" hidden></div>')


class PageEnded(Exception):
    """Raised by :func:`stop`: the page has said why it cannot go on; the router carries on after it."""


def stop() -> None:
    """End the page here (its message is on the page), but not the run: unlike ``st.stop()``, the
    router still draws what follows every page (the students' link, the run marker)."""
    raise PageEnded


def fragment(function=None, *, run_every=None):
    """``st.fragment`` whose every run ends with a :func:`run_marker` (use it instead of ``st.fragment``).

    In presenter mode the function runs as part of the whole page instead (unless it polls with
    ``run_every``): the router then redraws the students' link and QR code after every change, so
    they always hold the view on the projector. One teacher's session can afford the full reruns.
    """
    if function is None:
        return functools.partial(fragment, run_every=run_every)

    @functools.wraps(function)
    def with_marker(*args, **kwargs):
        result = function(*args, **kwargs)
        run_marker()
        return result

    as_fragment = st.fragment(with_marker, run_every=run_every)

    @functools.wraps(function)
    def call(*args, **kwargs):
        if run_every is None and presenter():
            return function(*args, **kwargs)
        return as_fragment(*args, **kwargs)

    return call


def presenter() -> bool:
    """Whether presenter mode is on for this user (figure builders take it as an argument)."""
    return bool(st.session_state.get(PRESENTER_KEY, False))


def with_presenter(query: dict, presenter: bool) -> dict:
    """A copy of ``query`` (URL parameters) with ``present=true`` added when ``presenter`` is on.

    Streamlit forgets the presenter switch on a page change, so every way to another page (the
    lesson's page links, :func:`switch_page`) carries it in the new URL; without it the projector
    would fall back to the laptop layout in the middle of the lesson.
    """
    return {**query, PRESENTER_PARAM: "true"} if presenter else dict(query)


def switch_page(page: str) -> None:
    """``st.switch_page`` to ``page`` (a path like ``"app_pages/inside_cnn.py"``) with a fresh URL that
    keeps only presenter mode (:func:`with_presenter`)."""
    # An empty mapping, not None: Streamlit 1.67 refuses to clear URL parameters bound to widgets.
    st.switch_page(page, query_params=with_presenter({}, presenter()))


INTRO_KEY = "_page_intro"
MAIN_PICTURE_KEY = "main_picture"  # the CSS class st-key-main_picture marks it (tests measure it)
PRESENTER_PICTURE_PX = 450  # the height a page leaves its main picture on a 1280 x 720 projector


def intro(text: str) -> None:
    """A page's explanation: above its picture on a laptop; on the projector it is held back and
    written by :func:`main_picture` under the picture, so that the picture is on screen first."""
    if presenter():
        st.session_state[INTRO_KEY] = text
    else:
        st.markdown(text)


@contextlib.contextmanager
def main_picture():
    """``with ui.main_picture(): ...`` around the step's main picture, the one the lesson's notice
    talks about. On the projector the step's notice and the page's :func:`intro` follow it."""
    from cnnviz.ui import lesson

    with st.container(key=MAIN_PICTURE_KEY):
        yield
    lesson.notice_after_picture()
    held_back = st.session_state.pop(INTRO_KEY, None)
    if presenter() and held_back:
        st.markdown(held_back)


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


def table(data, label: str | None = None) -> None:
    """A table of columns or rows (see :func:`cnnviz.ui.tables.columns_of`) as a plain HTML table:
    no data grid to download (1.2 MB of JavaScript), the page's own text size (at least 18 px on the
    projector), wrapping instead of cutting a column off, scrolling when it is long."""
    st.html(tables.html_table(data, label))


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


def cached_picture(build, *args, cache_key: tuple | None = None, **kwargs) -> bytes:
    """``build(*args, **kwargs)``, a server-drawn picture's PNG bytes, drawn once per distinct
    arguments and shared by every session. Arguments and ``cache_key`` as for :func:`cached_figure`."""
    return _shared("picture", build, args, kwargs, cache_key)


def cached_table(build, *args, cache_key: tuple | None = None, **kwargs):
    """``build(*args, **kwargs)`` (columns or rows) as columns for :func:`table`, built once per
    server instead of on every render. Arguments and ``cache_key`` as for :func:`cached_figure`."""
    return _shared("table", build, args, kwargs, cache_key)


def _shared(kind: str, build, args: tuple, kwargs: dict, cache_key: tuple | None):
    name = f"{build.__module__}.{build.__qualname__}"
    if cache_key is None:
        return _shared_by_arguments(kind, name, build, *args, **kwargs)
    return _shared_by_key(kind, name, cache_key, build, args, kwargs)


def _finished(kind: str, built):
    """A figure prepared for sharing, a picture's bytes as they are, or a table's columns (``{name: values}``)."""
    if kind == "figure":
        return prepared(built)
    if kind == "picture":
        return built
    return tables.columns_of(built)


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
    """:func:`picture_png`, encoded once per server, not on every student's rerun: for what a class
    shares (test digits, the class's gallery). A student's own digit takes :func:`picture_png`, so the
    server's cache does not fill with pictures only one student sees."""
    return picture_png(image, side)


def picture_png(image: np.ndarray, side: int = 140) -> bytes:
    """A grey (H, W) image (0..1 floats or uint8) enlarged to about ``side`` px with crisp pixels, as
    PNG bytes for ``st.image`` (about a millisecond for a 28 x 28 digit)."""
    import io

    from PIL import Image

    from cnnviz.digits import images

    buffer = io.BytesIO()
    Image.fromarray(images.enlarge(image, side)).save(buffer, format="PNG")
    return buffer.getvalue()


def unavailable(error, *, level: str = "warning") -> None:
    """What is missing, for a class: the error's plain sentence on the page, and the whole story
    (paths, the library's own error, the fix) behind an expander for the person running the server.

    Args:
        error: a :class:`cnnviz.problems.Unavailable` (any exception will do: its text goes behind
            the expander under a general sentence).
        level: ``"warning"``, ``"error"`` or ``"info"``.
    """
    summary = getattr(error, "summary", "Something this page needs is missing on this server.")
    show = {"warning": st.warning, "error": st.error, "info": st.info}[level]
    show(f"**{summary}** The rest of the lesson works. Whoever runs this server can fix it: the "
         "details are just below.", icon=":material/cloud_off:")
    with st.expander("For the person running the server"):
        st.markdown(str(error))


def mnist_or_stop() -> tuple[data.Split, data.Split]:
    """MNIST, or a readable message on the page and the end of this page only."""
    try:
        return mnist()
    except data.DatasetUnavailable as error:
        unavailable(error, level="error")
        stop()


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

