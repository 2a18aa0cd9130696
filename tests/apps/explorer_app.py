"""A tiny app for tests/test_explorer_browser.py: the browser-drawn explorer alone.

``?cases=FIRST:COUNT`` draws cases FIRST.. of the JSON list in the file ``$CNNVIZ_EXPLORER_CASES``,
each in a container keyed ``case-<number>``. ``?show=example|digit|pooling|matrix`` draws one
lesson view as a page would (under a title, ``max_height_px=470``); ``stride``, ``padding`` and
``dilation`` change the digit's convolution, ``controls`` adds a stride widget above it. ``?present=true`` is presenter mode, as in the app.
"""

import json
import os
import sys
from pathlib import Path

import numpy as np
import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from cnnviz import data, ui  # noqa: E402
from cnnviz.lesson import kernels, ops  # noqa: E402
from cnnviz.ui import explorer  # noqa: E402

SEED_IMAGE = [[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0], [0, 1, 1, 0, 0]]
SEED_KERNEL = [[1, 0, 1], [0, 1, 0], [1, 0, 1]]
HEIGHT_PX = 470


def digit(index: int) -> np.ndarray:
    (x_train, _), _ = ui.mnist()
    return data.scale(x_train[index])


def draw_case(case: dict, number: int) -> None:
    options = {"decimals": case["decimals"], "max_height_px": 900, "key": f"explorer-{number}"}
    if case["kind"] == "convolution":
        explorer.convolution(np.array(case["input"]), np.array(case["kernel"]), stride=case["stride"],
                             padding=case["padding"], dilation=case["dilation"], **options)
    elif case["kind"] == "pooling":
        explorer.pooling(np.array(case["input"]), size=case["size"], stride=case["stride"], mode=case["mode"],
                         padding=case["padding"], **options)
    else:
        explorer.matrix(np.array(case["input"]), **options)


def show(view: str, present: bool) -> None:
    params = st.query_params
    if view == "example":
        st.title("Convolution: the 5 x 5 example")
        explorer.convolution(np.array(SEED_IMAGE), np.array(SEED_KERNEL), decimals=0, input_title="Image",
                             presenter=present, max_height_px=HEIGHT_PX, key="view")
    elif view == "digit":
        st.title("Convolution on a real digit")
        padding = params.get("padding", "valid")
        stride = int(params.get("stride", 1))
        if "controls" in params:  # a widget that changes the settings: the same element gets new data
            stride = st.radio("Stride", [1, 2, 3], index=stride - 1, horizontal=True, key="stride")
        explorer.convolution(digit(0), kernels.preset_weights("vertical edges"), stride=stride,
                             padding=int(padding) if padding.isdigit() else padding,
                             dilation=int(params.get("dilation", 1)), input_title="Digit #0",
                             presenter=present, max_height_px=HEIGHT_PX, key="view")
    elif view == "pooling":
        st.title("Max pooling: keep the strongest response")
        feature_map = ops.relu(ops.conv2d(digit(0), kernels.preset_weights("vertical edges")))
        start = (feature_map.shape[0] - 12) // 2
        explorer.pooling(feature_map[start:start + 12, start:start + 12], size=2, mode=params.get("mode", "max"),
                         origin=(start, start), input_title="Feature map: vertical edges", presenter=present,
                         max_height_px=HEIGHT_PX, key="view")
    elif view == "matrix":
        st.title("An image is a matrix")
        (x_train, _), _ = ui.mnist()
        explorer.matrix(x_train[0], title="Digit #0", presenter=present, max_height_px=HEIGHT_PX, key="view")


st.set_page_config(page_title="explorer test", layout="wide")
present = ui.presenter_toggle()
if present:
    st.set_page_config(initial_sidebar_state="collapsed")
if "cases" in st.query_params:
    if "CNNVIZ_EXPLORER_CASES" not in os.environ:
        st.error("?cases= needs CNNVIZ_EXPLORER_CASES: the path of a JSON list of cases (tests/explorer_cases.py).")
        ui.stop()
    first, count = (int(part) for part in st.query_params["cases"].split(":"))
    cases = json.loads(Path(os.environ["CNNVIZ_EXPLORER_CASES"]).read_text())
    for number in range(first, min(first + count, len(cases))):
        with st.container(key=f"case-{number}"):
            draw_case(cases[number], number)
else:
    show(st.query_params.get("show", "example"), present)
ui.run_marker()
