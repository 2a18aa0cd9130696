"""Page "Max pooling": each window of a feature map keeps its largest (or average) value, drawn and
animated by the explorer in the student's browser, and measured: pooled maps change less when the
digit moves."""

import streamlit as st

from cnnviz import ui
from cnnviz.lesson import kernels, ops
from cnnviz.ui import convolution as convolution_ui
from cnnviz.ui import explorer

present = ui.presenter()
(x_train, _), _ = ui.mnist_or_stop()

st.title("Max pooling: keep the strongest response")
ui.intro(
    "After a convolution (and ReLU), a **pooling** layer shrinks the feature map: it cuts the map into "
    "small windows and keeps **one number per window**, the **largest** (max pooling) or the **average**. "
    "`MaxPooling2D((2, 2))` halves the height and the width; the strong responses survive. Point at an "
    "output cell to see its window."
)

choose_digit, choose_kernel, choose_region, choose_mode, choose_size, choose_stride, choose_padding = st.columns(
    [1.3, 2.4, 2.2, 2.5, 1.3, 1.7, 1.7])
index = choose_digit.number_input("Digit", min_value=0, max_value=len(x_train) - 1, value=0, step=1,
                                  key="pool_digit", bind="query-params",
                                  help=f"Which of the {len(x_train):,} training digits (0 to {len(x_train) - 1:,}).")
kernel_name = choose_kernel.selectbox("Kernel", list(kernels.PRESETS), index=1, key="pool_kernel",
                                      bind="query-params", help="The kernel whose feature map (after ReLU) is pooled.")
region = choose_region.selectbox("Show", ["centre 10 x 10", "whole 26 x 26"], key="pool_region", bind="query-params",
                                 help="The centre 10 x 10 shows every number; the whole map shows them when "
                                      "you point at a cell.")
mode = choose_mode.segmented_control("Pooling", ["max", "average"], default="max", key="pool_mode",
                                     bind="query-params") or "max"
size = choose_size.selectbox("Size", [2, 3, 4], key="pool_size", bind="query-params",
                             help="The pooling window is size x size.")
stride_choice = choose_stride.selectbox("Stride", ["= size", 1, 2, 3], key="pool_stride", bind="query-params",
                                        help="How far the window moves; by default as far as it is wide.")
padding = choose_padding.selectbox("Padding", ["valid", "same"], key="pool_padding", bind="query-params",
                                   help='"same" keeps ceil(n / stride) cells; padded cells are ignored, '
                                        "never counted as zeros, as in Keras.")
stride = size if stride_choice == "= size" else int(stride_choice)
crop = 10 if region.startswith("centre") else None
feature_map = convolution_ui.feature_map(int(index), kernel_name)  # (26, 26) after ReLU
start = (feature_map.shape[0] - crop) // 2 if crop else 0
shown = feature_map[start:start + crop, start:start + crop] if crop else feature_map
side = shown.shape[0]

picture_column, measure_column = st.columns([4, 1], gap="medium")
with picture_column, ui.main_picture():
    explorer.pooling(shown, size=int(size), stride=stride, mode=mode, padding=padding, decimals=1,
                     input_title=f"Feature map: {kernel_name}", output_title=f"{mode.capitalize()} pooled",
                     origin=(start, start), presenter=present, start_at_end=True,
                     max_height_px=440 if present else 470, key="pool_explorer")

try:
    table = convolution_ui.pool_shift_table(int(index), kernel_name, int(size), stride, mode, padding)
except ops.OperationError:
    table = None  # the explorer says why, in the engine's words
with measure_column:
    if table:  # the measurement the lesson's notice talks about, beside the picture
        one_pixel = table[0]
        st.markdown(f"**The digit moved 1 pixel right:**\n\n"
                    f"feature map changed by **{one_pixel['feature map change']:.0%}**\n\n"
                    f"{mode}-pooled map changed by **{one_pixel['pooled map change']:.0%}**")
        st.caption("Change = sum of the absolute differences / sum of the original map (0% = the same).")

try:
    formula = ops.output_size_formula(side, int(size), stride, padding)
except ops.OperationError:
    formula = None
if formula:
    out_side = ops.output_size(side, int(size), stride, padding)
    st.markdown(f"**Output size: {out_side} x {out_side}** from {side} x {side}, pool {size} x {size}, "
                f"stride {stride}:")
    st.markdown(f"`{formula}`")  # inline: st.code would load a 1.5 MB syntax highlighter for one line

st.subheader("Why pool? Move the digit and measure")
st.markdown(
    "Shift the digit by a pixel or two, redo the convolution, and compare with the original: how much did "
    "the **feature map** change, and how much did the **pooled map** change? (change = sum of the absolute "
    "differences / sum of the original map; 0% = identical)."
)
if table:
    ui.table({"digit moved": [row["shift"] for row in table],
              "feature map changed by": [f"{row['feature map change']:.0%}" for row in table],
              "pooled map changed by": [f"{row['pooled map change']:.0%}" for row in table]},
             label="How much the maps change when the digit moves")
    st.caption("A small move shuffles the feature map's cells, but most windows keep the same strongest "
               "value, so the pooled map changes less. Larger moves need several conv + pool layers.")
