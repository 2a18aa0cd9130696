"""A convolution, pooling and matrix explorer drawn by the browser: one Components v2 element (in
the page, no iframe) whose JavaScript computes every step, so nothing plays through Python.

Python only checks and sends the numbers: the input, the kernel, the geometry and a few display
options, about 3 kB for a 28 x 28 digit. The browser pads the input, computes every output cell
(sums of products added in numpy's order, pooling winners and averages), plays the steps, and links
hovering between the grids. Its state (the step, the hovered cell) never reaches Python: playing
and hovering start no script run, and nothing is written to the URL.

Settings that :mod:`cnnviz.lesson.ops` refuses (stride 0, a kernel larger than the padded input,
stride and dilation both above 1, ...) are not errors here: the explorer shows the very sentence
``ops.OperationError`` would say. Arguments of the wrong kind (a 3-D image, a stride of 1.5, an
unknown colour scheme) raise ``ValueError`` at once.

Every number is sent rounded to ``SENT_DECIMALS`` decimals; :func:`as_sent` gives those numbers, for
a page that wants to compute something else from exactly what the explorer shows.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np

# The element's code lives in the app's static/ folder, which Streamlit serves at app/static/ when
# server.enableStaticServing is on (.streamlit/config.toml): the browser fetches it once over HTTP and
# caches it. Sent inline instead, its 40 kB would travel over the websocket with every element.
FOLDER = Path(__file__).resolve().parents[3] / "static" / "explorer"
STATIC_URL = "app/static/explorer/"  # relative to the page, as Streamlit's own assets are
# One module, its files in this order:
SCRIPTS = ("engine.js", "grids.js", "specs.js", "explorer.js", "layout.js", "pointing.js", "editing.js")
SENT_DECIMALS = 4  # more than any cell prints; a 28 x 28 digit stays about 3 kB
MAX_DECIMALS = 6
WEIGHT_DECIMALS = 3  # kernel weights as a student types them: 1, -2, 0.111
MAX_SIDE = 64  # the lesson's largest grid is a 28 x 28 digit (30 x 30 padded)
MAX_KERNEL_SIDE = 15
COLOURS = ("grey", "signed", "reds")  # ink on paper; blue-white-red around 0; white-to-red for >= 0
DEFAULT_HEIGHT_PX = 470  # what a page leaves for the explorer on a 1280 x 720 projector


def printed(value: float, decimals: int) -> str:
    """The text the explorer prints for ``value``: the mirror of the JavaScript ``printed``.

    At most ``decimals`` decimals, rounded half away from zero on the number's exact binary value
    (what JavaScript's ``toFixed`` does), trailing zeros dropped, never ``-0``:
    ``printed(0.125, 2) == "0.13"``, ``printed(2.0, 2) == "2"``, ``printed(-0.001, 2) == "0"``.

    Raises:
        ValueError: a value that is not finite or is 1e21 or more in size (JavaScript switches to
            exponents there), or ``decimals`` outside 0..6.
    """
    decimals = _whole(decimals, "decimals", 0, MAX_DECIMALS)
    value = float(value)
    if not math.isfinite(value) or abs(value) >= 1e21:
        raise ValueError(f"printed() takes a finite number below 1e21 in size, not {value!r}.")
    text = format(Decimal(value).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def as_sent(values) -> np.ndarray:
    """``values`` rounded as the explorer sends them (``SENT_DECIMALS`` decimals), float64."""
    return np.round(np.asarray(values, dtype=np.float64), SENT_DECIMALS) + 0.0


def convolution_payload(image, kernel, *, stride: int = 1, padding: int | str = "valid", dilation: int = 1,
                        decimals: int = 2, input_range: tuple[float, float] | None = None,
                        input_title: str = "Input", output_title: str = "Output", presenter: bool = False,
                        max_height_px: int = DEFAULT_HEIGHT_PX, label: str | None = None,
                        start_at_end: bool = False, editable_kernel: bool = False) -> dict:
    """What :func:`convolution` sends to the browser (a JSON-ready dict).

    Args:
        image: (H, W) numbers, H and W at most ``MAX_SIDE``, drawn in grey (0 = white paper).
        kernel: (kh, kw) weights, sides at most ``MAX_KERNEL_SIDE``.
        stride, dilation: whole numbers; padding: ``"valid"``, ``"same"`` or a whole number, as
            ``ops.conv2d`` takes them (values it refuses are shown as its sentence).
        decimals: decimals printed in the input's and output's cells (0..6).
        input_range: the input's colour range; default (0, 1) for values in 0..1.
        input_title, output_title: the grids' titles (their sizes are added).
        presenter: large text for a projector (every text at least 18 px).
        max_height_px: the height everything must fit in; the width is the container's.
        label: the element's accessible name (default: a description of the grids).
        start_at_end: open on the last step, the whole output drawn (Play starts again from step 1).
        editable_kernel: the kernel's cells open a text box when clicked (see :func:`convolution`).

    Raises:
        ValueError: arguments of the wrong kind, with a sentence naming the argument.
    """
    payload = _common("convolution", image, "image", decimals, ("input_title", input_title), presenter, max_height_px,
                      label)
    payload.update(kernel=_sent_grid(kernel, "kernel", MAX_KERNEL_SIDE), stride=_int(stride, "stride"),
                   padding=_padding(padding), dilation=_int(dilation, "dilation"), weight_decimals=WEIGHT_DECIMALS,
                   input_range=_range(input_range), colours="grey", start_at_end=_flag(start_at_end, "start_at_end"),
                   editable_kernel=_flag(editable_kernel, "editable_kernel"))
    payload["titles"]["output"] = _text(output_title, "output_title")
    return payload


def pooling_payload(feature_map, *, size: int = 2, stride: int | None = None, mode: str = "max",
                    padding: str = "valid", decimals: int = 1, colours: str = "reds",
                    input_title: str = "Feature map", output_title: str = "Output", origin: tuple[int, int] = (0, 0),
                    presenter: bool = False, max_height_px: int = DEFAULT_HEIGHT_PX, label: str | None = None,
                    start_at_end: bool = False) -> dict:
    """What :func:`pooling` sends to the browser (a JSON-ready dict).

    Args:
        feature_map: (H, W) numbers, usually >= 0 (after ReLU); H, W at most ``MAX_SIDE``.
        size, stride, mode, padding: as ``ops.pool2d`` (square windows; stride None = size).
        decimals: decimals printed in the cells (0..6).
        colours: ``"reds"`` (a ReLU map), ``"signed"`` or ``"grey"``; the output shares the input's scale.
        origin: (row, column) of ``feature_map``'s first cell in a larger map, so a crop keeps the
            whole map's row and column numbers.
        input_title, output_title, presenter, max_height_px, label, start_at_end: as
            :func:`convolution_payload`.

    Raises:
        ValueError: arguments of the wrong kind, with a sentence naming the argument.
    """
    payload = _common("pooling", feature_map, "feature map", decimals, ("input_title", input_title), presenter,
                      max_height_px, label)
    if not isinstance(mode, str):
        raise ValueError(f'mode must be "max" or "average" (a string), not {mode!r}.')
    payload.update(size=_int(size, "size"), stride=None if stride is None else _int(stride, "stride"), mode=mode,
                   padding=_padding(padding), colours=_colours(colours), origin=_origin(origin),
                   start_at_end=_flag(start_at_end, "start_at_end"))
    payload["titles"]["output"] = _text(output_title, "output_title")
    return payload


def matrix_payload(values, *, decimals: int = 0, colours: str = "grey", value_range: tuple[float, float] | None = None,
                   title: str = "Matrix", origin: tuple[int, int] = (0, 0), presenter: bool = False,
                   max_height_px: int = DEFAULT_HEIGHT_PX, label: str | None = None) -> dict:
    """What :func:`matrix` sends to the browser: one grid, numbers where they fit, values on hover.

    Args:
        values: (H, W) numbers, e.g. a digit's 0..255 pixels; H, W at most ``MAX_SIDE``.
        decimals: decimals printed (0 for whole numbers). colours: one of ``COLOURS``.
        value_range: the colour range; default (0, 1) for values in 0..1, else their own range.
        title, origin, presenter, max_height_px, label: as :func:`pooling_payload`.

    Raises:
        ValueError: arguments of the wrong kind, with a sentence naming the argument.
    """
    payload = _common("matrix", values, "matrix", decimals, ("title", title), presenter, max_height_px, label)
    payload.update(colours=_colours(colours), input_range=_range(value_range), origin=_origin(origin))
    return payload


def convolution(image, kernel, *, key: str | None = None, on_kernel_cell=None, **options) -> None:
    """Draw the convolution explorer: input, kernel and output side by side, with play / pause / step
    controls, and hovering an output cell writes out its sum of products.

    Args:
        image, kernel, options: as :func:`convolution_payload`.
        key: a name that keeps the element (and its speed) when the settings change.
        on_kernel_cell: with ``editable_kernel=True``, called (as a widget's ``on_change`` is, before
            the run) when the student has typed into a kernel cell; :func:`kernel_cell_edit` then
            gives the edit. The explorer shows the old weight until the page sends a new kernel.
    """
    callbacks = {"on_kernel_cell_change": on_kernel_cell} if on_kernel_cell is not None else {}
    _mount(convolution_payload(image, kernel, **options), key, callbacks)


def kernel_cell_edit(key: str) -> tuple[object, object, str] | None:
    """The kernel cell the student has just typed into, in the explorer mounted with ``key``:
    ``(row, col, text)`` (0-based row and column as sent, the text as typed), or None when none was.
    Read it in the ``on_kernel_cell`` callback: the value lasts one run."""
    import streamlit as st

    state = st.session_state.get(key)
    edit = state.get("kernel_cell") if hasattr(state, "get") else None
    if not isinstance(edit, dict) or not isinstance(edit.get("text"), str):
        return None
    return edit.get("row"), edit.get("col"), edit["text"]


def pooling(feature_map, *, key: str | None = None, **options) -> None:
    """Draw the pooling explorer: input map and the smaller pooled map, cells of the same size.

    Args:
        feature_map, options: as :func:`pooling_payload`. key: as :func:`convolution`.
    """
    _mount(pooling_payload(feature_map, **options), key)


def matrix(values, *, key: str | None = None, **options) -> None:
    """Draw one grid of numbers (no animation), values on hover. Args: as :func:`matrix_payload`."""
    _mount(matrix_payload(values, **options), key)


@functools.cache
def _component():
    import streamlit as st

    css = _compact((FOLDER / "explorer.css").read_text())
    return st.components.v2.component("cnnviz_explorer", css=css, js=loader_js() if served() else inline_js())


def inline_js() -> str:
    """The element's whole module, its files joined in ``SCRIPTS`` order (comments left out)."""
    return "\n".join(_compact((FOLDER / name).read_text()) for name in SCRIPTS)


def served() -> bool:
    """Whether this server hands out :data:`FOLDER` at ``app/static/explorer/``: static serving is
    on and the running app's static/ folder is this one (a test app elsewhere gets the code inline)."""
    import streamlit as st
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    context = get_script_run_ctx()
    script = getattr(context, "main_script_path", None)
    if not script or not st.get_option("server.enableStaticServing"):
        return False
    return (Path(script).resolve().parent / "static" / "explorer").resolve() == FOLDER


def loader_js() -> str:
    """A small module that fetches the element's files from the server (once per page, then from the
    browser's cache: each URL carries a hash of the files), runs them as one module, and hands every
    mount to it. If they cannot be fetched, the element says so in a sentence."""
    version = hashlib.sha256(b"".join((FOLDER / name).read_bytes() for name in SCRIPTS)).hexdigest()[:12]
    files = json.dumps([f"{STATIC_URL}{name}?v={version}" for name in SCRIPTS])
    return _compact(f"""
const FILES = {files};
const KEY = "cnnvizExplorer{version}";
function load() {{
  window[KEY] ||= Promise.all(FILES.map((file) => fetch(new URL(file, document.baseURI)).then((answer) => {{
    if (!answer.ok) throw new Error(`${{answer.status}} ${{answer.statusText}} for ${{file.split("?")[0]}}`);
    return answer.text();
  }}))).then((parts) => import(URL.createObjectURL(new Blob([parts.join("\\n")], {{ type: "text/javascript" }}))));
  return window[KEY];
}}
export default function (component) {{
  let cleanup = null;
  let gone = false;
  load().then((module) => {{ if (!gone) cleanup = module.default(component); }}, (error) => {{
    window[KEY] = undefined;
    if (gone) return;
    const box = document.createElement("div");
    box.className = "cx-root";
    box.dataset.ready = "true";
    box.innerHTML = '<div class="cx-error" role="alert"></div>';
    box.firstChild.textContent = "The explorer's code could not be loaded from this server (" + error.message +
      "). Reload the page; if this stays, tell the person running the server.";
    component.parentElement.replaceChildren(box);
  }});
  return () => {{ gone = true; if (typeof cleanup === "function") cleanup(); }};
}}
""")


def _mount(payload: dict, key: str | None, callbacks: dict | None = None) -> None:
    _component()(data=payload, key=key, width="stretch", height="content", **(callbacks or {}))


def _compact(source: str) -> str:
    """The source without its comment lines and indentation: it travels with every script run."""
    lines = (line.strip() for line in source.splitlines())
    return "\n".join(line for line in lines if line and not line.startswith(("//", "/*")))


def _flag(value, name: str) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{name} must be True or False, not {value!r}.")
    return value


def _common(kind, values, name, decimals, title: tuple[str, str], presenter, max_height_px, label) -> dict:
    if not isinstance(presenter, bool):
        raise ValueError(f"presenter must be True or False, not {presenter!r}.")
    if label is not None:
        _text(label, "label")
    return {"kind": kind, "input": _sent_grid(values, name, MAX_SIDE),
            "decimals": _whole(decimals, "decimals", 0, MAX_DECIMALS), "titles": {"input": _text(title[1], title[0])},
            "presenter": presenter, "max_height_px": _whole(max_height_px, "max_height_px", 120, 4000),
            "label": label}


def _sent_grid(values, name: str, largest: int) -> list[list[float | int]]:
    array = np.asarray(values)
    if array.ndim != 2 or 0 in array.shape:
        raise ValueError(f"The {name} must be a non-empty 2-D array (rows, columns), but it has shape {array.shape}.")
    if array.dtype == bool or not np.issubdtype(array.dtype, np.number) or np.iscomplexobj(array):
        raise ValueError(f"The {name} must hold real numbers, not {array.dtype} values.")
    if max(array.shape) > largest:
        raise ValueError(f"The {name} is {array.shape[0]} x {array.shape[1]}; the explorer draws at most "
                         f"{largest} x {largest}.")
    sent = as_sent(array)
    if not np.all(np.isfinite(sent)):
        raise ValueError(f"The {name} holds a value that is not a finite number; every value must be one.")
    return [[int(v) if v.is_integer() else v for v in row] for row in sent.tolist()]


def _whole(value, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not low <= value <= high:
        raise ValueError(f"{name} must be a whole number from {low} to {high}, not {value!r}.")
    return int(value)


def _int(value, name: str) -> int:
    """A whole number, passed on as it is: one the engine refuses (0, -1) is shown as its sentence."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be a whole number (an int), not {value!r}.")
    return int(value)


def _padding(value) -> int | str:
    if isinstance(value, str):
        return value
    return _int(value, "padding")


def _colours(value) -> str:
    if value not in COLOURS:
        raise ValueError(f"colours must be one of {', '.join(COLOURS)}, not {value!r}.")
    return value


def _range(value) -> list[float] | None:
    if value is None:
        return None
    try:
        low, high = (float(v) for v in value)
    except (TypeError, ValueError):
        raise ValueError(f"A colour range must be two numbers (low, high), not {value!r}.") from None
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise ValueError(f"A colour range must be two finite numbers with low < high, not {value!r}.")
    return [low, high]


def _origin(value) -> list[int]:
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise ValueError(f"origin must be (row, column), not {value!r}.")
    return [_int(value[0], "origin's row"), _int(value[1], "origin's column")]


def _text(value, name: str) -> str:
    if not isinstance(value, str) or len(value) > 120:
        raise ValueError(f"{name} must be a string of at most 120 characters, not {value!r}.")
    return value
