"""The guided lesson and lesson links: previous/next in the seeds' order, what to notice on each step,
the shareable link of the current view (with a QR code in presenter mode), and a notice when a link
carries a value the page cannot use.

Every setting a teacher would share is a widget bound to the URL (``bind="query-params"``), so the
address bar always holds the current view; this module only reads it.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit, urlunsplit

import streamlit as st

from cnnviz.ui import with_presenter
from cnnviz.ui.classroom import link_parameters as class_link

PUBLIC_URL_VARIABLE = "CNNVIZ_PUBLIC_URL"
DEFAULT_PAGE = "matrix"
MATRIX_TAB_KEY = "matrix_tab"
MATRIX_TABS = ("The 28 x 28 matrix", "Zoom in", "Flatten and scale", "One-hot label", "The dataset")
ZOO_TAB_KEY = "zoo_section"  # MLP vs CNN: the part under the models table
ZOO_TABS = ("Layer by layer", "Training curves", "Which digits get confused", "Digits that fool the MLP")
# URL parameters a page reads by hand (not widgets): never reported as "not valid here".
HAND_READ_PARAMETERS = {"digit", "conv_cells", "present"}  # present: read by ui.presenter_toggle
LABEL_PREFIX = "lesson_label_"
QR_ERROR_LEVEL = "m"  # 15% of the code may be unreadable (a glare on the projector) and it still scans
NOTICE_KEY = "lesson_notice"  # this run's step notice, for notice_after_picture
NOTICE_SLOT_KEY = "lesson_notice_slot"  # where a laptop's notice is drawn this run (None on the projector)


@dataclass(frozen=True)
class Step:
    """One step of the guided lesson: a page (its ``url_path``), the URL parameters that open the
    right view of it, a short title and one sentence saying what to notice."""

    url_path: str
    title: str
    notice: str
    query: dict = field(default_factory=dict)


STEPS = (
    Step("matrix", "Pixels",
         "Notice: the picture and the matrix hold the same 784 numbers, 0 for background and up to 255 for ink.",
         {MATRIX_TAB_KEY: MATRIX_TABS[0]}),
    Step("matrix", "Flatten and one-hot",
         "Notice: the 28 rows are laid end to end as 784 inputs, each divided by 255, and the label "
         "becomes ten slots with a single 1 (the One-hot label tab).",
         {MATRIX_TAB_KEY: MATRIX_TABS[2]}),
    Step("convolution", "Convolution",
         "Notice: every output cell is a sum of products under the window (point at one to see it); an "
         "edge kernel lights up where the ink starts and stops.",
         {"conv_tab": "On a real digit"}),
    Step("pooling", "Pooling",
         "Notice: each window keeps only its strongest value, so a digit moved by one pixel changes the "
         "pooled map less than the feature map."),
    Step("mlp-vs-cnn", "MLP vs CNN",
         "Notice: with about as many weights as the MLP, a small CNN makes fewer than half of its mistakes."),
    Step("inside-the-cnn", "Inside the CNN",
         "Notice: the first layer's maps still look like the digit; deeper maps are smaller and more "
         "abstract, and the last layer turns them into ten probabilities."),
    Step("your-digit", "Your digit",
         "Notice: your drawing is cropped, shrunk to 20 px and centred as MNIST's digits were before the "
         "networks see it."),
    Step("train-your-own", "Train your own",
         "Notice: the heatmap holds measured accuracies for every filters x dropout setting; move a "
         "slider and see where your network lands before you train it.",
         {"playground_tab": "Measured accuracy"}),
    Step("xception", "Xception",
         "Notice: the same convolution and pooling ideas, stacked dozens of layers deep, name 1,000 kinds "
         "of object; Grad-CAM shows where the network looked."),
)


def current_step(url_path: str, matrix_tab: str | None) -> int | None:
    """Index into :data:`STEPS` of the page ``url_path`` (the matrix page holds two steps, told apart
    by its open tab), or None for a page that is not a lesson step (the class pages)."""
    if url_path == "matrix":
        return 1 if matrix_tab in MATRIX_TABS[2:] else 0
    for number, step in enumerate(STEPS):
        if step.url_path == url_path:
            return number
    return None


def share_url(base_url: str, url_path: str, query: dict) -> str:
    """The link of a view: ``base_url`` (scheme and host), the page, its URL parameters.

    ``query`` maps names to a string or a list of strings (repeated parameters, as range sliders use).
    """
    path = "/" if url_path in ("", DEFAULT_PAGE) else f"/{url_path}"  # the default page lives at "/"
    encoded = urlencode(query, doseq=True)
    return f"{base_url.rstrip('/')}{path}" + (f"?{encoded}" if encoded else "")


def is_local_address(url: str) -> bool:
    """Whether ``url`` points at this computer only (students' laptops cannot open it)."""
    host = (urlsplit(url).hostname or "").lower()
    return host in ("localhost", "::1") or host.startswith("127.")


def app_root(page_url: str, url_path: str) -> str:
    """The app's own root address, from the address of one of its pages.

    ``st.context.url`` is the full address of the page being viewed (``http://host/prefix/pooling``):
    its page path is cut off, and whatever comes before it is kept, so an app served under a path
    prefix (``server.baseUrlPath``, or a proxy's) keeps the prefix. The query and fragment are dropped.

    Args:
        page_url: the address the viewer opened.
        url_path: the page's ``url_path`` ("" or :data:`DEFAULT_PAGE` for the default page at the root).
    """
    parts = urlsplit(page_url)
    path = parts.path.rstrip("/")
    if url_path and path.endswith(f"/{url_path}"):
        path = path[: -len(url_path) - 1]
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def base_url(url_path: str) -> str:
    """Where students reach this app: ``CNNVIZ_PUBLIC_URL`` if set, else the root of the address the
    viewer opened (see :func:`app_root`)."""
    public = os.environ.get(PUBLIC_URL_VARIABLE, "").strip()
    if public:
        return public
    page_url = st.context.url or "http://localhost:8501"
    root = app_root(page_url, url_path)
    prefix = (st.get_option("server.baseUrlPath") or "").strip("/")
    if prefix and not urlsplit(root).path.rstrip("/").endswith(f"/{prefix}"):
        root = root.rstrip("/") + f"/{prefix}"  # the address lacked the configured prefix: add it back
    return root


@st.cache_data(max_entries=256, show_spinner=False)
def qr_png(url: str) -> bytes:
    """A QR code of ``url`` as PNG bytes (segno: pure Python, no image library needed)."""
    import segno

    buffer = io.BytesIO()
    segno.make(url, error=QR_ERROR_LEVEL).save(buffer, kind="png", scale=6, border=2, dark="#000000", light="#ffffff")
    return buffer.getvalue()


def rejected_values(before: dict, after: dict, values: dict) -> dict:
    """URL parameters the page dropped because no widget could use them (garbage, out of range).

    Args:
        before: the URL parameters when the run started, ``{name: str or [str, ...]}``.
        after: the URL parameters when it ended.
        values: the widgets' values by key (``st.session_state`` itself will do): a parameter that was dropped
            because it equals its widget's default is not a rejection. A widget with a
            ``format_func`` records its shown label with :func:`shown_as`.
    Returns:
        ``{name: the value the link carried}``.
    """
    rejected = {}
    for name, raw in before.items():
        if name in after or name in HAND_READ_PARAMETERS:
            continue
        shown = values.get(name)
        raw_text = raw[-1] if isinstance(raw, list) else raw
        if isinstance(shown, bool):
            shown = str(shown).lower()
        if shown is None or str(raw_text) not in (str(shown), str(values.get(LABEL_PREFIX + name))):
            rejected[name] = raw_text
    return rejected


def shown_as(key: str, label: str) -> None:
    """Record the label a ``format_func`` widget shows: its URL value is that label, not the option."""
    st.session_state[LABEL_PREFIX + key] = label


def show_rejections(rejected: dict) -> None:
    """One small line saying which link values were not used, and what is shown instead."""
    if rejected:
        listed = ", ".join(f"{name}={value!r}" for name, value in rejected.items())
        st.caption(f":material/link_off: This link asked for {listed}, which this page cannot show; "
                   "the default is shown instead.")


def lesson_bar(pages: dict, url_path: str, presenter: bool):
    """One line: Back, step n of 9, Next, and a slot for the students' link; then what to notice.

    Drawn before the page runs, so that it is there even when a page stops early. On a laptop the
    notice follows the line; on the projector it waits for :func:`notice_after_picture`, so that
    the step's picture comes first. The sidebar's presenter
    switch is bound to the URL, but a page link replaces the whole query, so the links carry it.

    Args:
        pages: the app's ``st.Page`` objects by ``url_path``.
        url_path: the page being shown.
        presenter: whether presenter mode is on.
    Returns:
        An empty slot at the end of the line, for :func:`share_popover` once the page has run.
    """
    tab = st.query_params.get(MATRIX_TAB_KEY) or st.session_state.get(MATRIX_TAB_KEY)  # a link wins
    number = current_step(url_path, tab)
    step = STEPS[number] if number is not None else None
    with st.container(horizontal=True, vertical_alignment="center", gap="small", key="lesson_line"):
        if step is None:  # a class page: the way back into the lesson
            st.page_link(pages[STEPS[0].url_path], label="The lesson, step 1", icon=":material/school:",
                         query_params=with_presenter(STEPS[0].query, presenter))
        if number:
            previous = STEPS[number - 1]
            st.page_link(pages[previous.url_path], label=f"Back: {previous.title}", icon=":material/arrow_back:",
                         query_params=with_presenter(previous.query, presenter))
        if step is not None:
            st.markdown(f"**Step {number + 1} of {len(STEPS)}: {step.title}**", width="content")
        if step is not None and number + 1 < len(STEPS):
            following = STEPS[number + 1]
            st.page_link(pages[following.url_path], label=f"Next: {following.title}",
                         icon=":material/arrow_forward:", query_params=with_presenter(following.query, presenter))
        share_slot = st.empty()
    notice = step.notice if step is not None else ""
    st.session_state[NOTICE_KEY] = notice
    st.session_state[NOTICE_SLOT_KEY] = None if presenter else st.empty()
    if not presenter and notice:
        st.session_state[NOTICE_SLOT_KEY].markdown(notice)
    return share_slot


def replace_notice(notice: str) -> None:
    """A page whose step cannot show what the notice promises on this server (Xception without its
    weights) says instead what the class can notice today. Call it before :func:`notice_after_picture`."""
    st.session_state[NOTICE_KEY] = notice
    slot = st.session_state.get(NOTICE_SLOT_KEY)
    if slot is not None:
        slot.markdown(notice)


def notice_after_picture() -> None:
    """On the projector, the step's notice, right under the picture it talks about (pages call this
    once their main picture is drawn; on a laptop the notice is already above the page)."""
    from cnnviz import ui

    notice = st.session_state.get(NOTICE_KEY)
    if ui.presenter() and notice:
        st.markdown(notice)


def student_link(url_path: str, query: dict) -> str:
    """The current view's link for students' laptops: presenter mode left out."""
    return share_url(base_url(url_path), url_path,
                     {name: value for name, value in query.items() if name != "present"} | class_link())


def share_popover(url: str) -> None:
    """A button that opens the link's QR code, big enough to scan from a classroom seat, and the link.

    Laid out side by side (the code left, the link and any warning right) so that the open popover
    fits a 720 px projector.
    """
    with st.popover("Students' link", icon=":material/qr_code_2:", key="lesson_share"):
        code_column, text_column = st.columns([1, 1.2], vertical_alignment="top")
        code_column.image(qr_png(url), width=280)
        with text_column:
            st.markdown("**Scan it, or type the link:** the same page, the same settings.")
            st.code(url, language=None, wrap_lines=True)
            if is_local_address(url):
                st.warning(f"**Only this computer can open this address.** Run the app with "
                           f"`--server.address 0.0.0.0`, or set `{PUBLIC_URL_VARIABLE}`.", icon=":material/wifi_off:")
