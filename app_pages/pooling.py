"""Page "Max pooling": each window of a feature map keeps its largest (or average) value, animated
over a real digit's feature map, and measured: pooled maps change less when the digit moves."""

import streamlit as st

from cnnviz.lesson import kernels, ops
from cnnviz import ui
from cnnviz.ui import convolution as convolution_ui

present = ui.presenter()
(x_train, _), _ = ui.mnist_or_stop()

st.title("Max pooling: keep the strongest response")
st.markdown(
    "After a convolution (and ReLU), a **pooling** layer shrinks the feature map: it cuts the map into "
    "small windows and keeps **one number per window**, the **largest** (max pooling) or the **average**. "
    "`MaxPooling2D((2, 2))` halves the height and the width; the strong responses survive."
)

choose_digit, choose_kernel, choose_region = st.columns([2, 3, 3])
index = choose_digit.number_input("Training digit number", min_value=0, max_value=len(x_train) - 1, value=0,
                                  step=1, key="pool_digit", bind="query-params")
kernel_name = choose_kernel.selectbox("Feature map from the kernel", list(kernels.PRESETS), index=1,
                                      key="pool_kernel", bind="query-params")
region = choose_region.selectbox("Show", ["the centre 12 x 12, with every number", "the whole 26 x 26 map"],
                                 key="pool_region", bind="query-params")
choose_mode, choose_size, choose_stride, choose_padding = st.columns(4)
mode = choose_mode.segmented_control("Pooling", ["max", "average"], default="max", key="pool_mode",
                                     bind="query-params") or "max"
size = choose_size.selectbox("Pool size", [2, 3, 4], key="pool_size", bind="query-params")
stride_choice = choose_stride.selectbox("Stride", ["= pool size", 1, 2, 3], key="pool_stride", bind="query-params")
padding = choose_padding.selectbox("Padding", ["valid", "same"], key="pool_padding", bind="query-params",
                                   help='"same" keeps ceil(n / stride) cells; padded cells are ignored, '
                                        "never counted as zeros, as in Keras.")
stride = size if stride_choice == "= pool size" else int(stride_choice)
crop = 12 if region.startswith("the centre") else None
side = crop or 26

settings = (int(index), kernel_name, int(size), stride, mode, padding, crop)
animation, _, problem = convolution_ui.or_last_good("pool_last_good", convolution_ui.pool_animation,
                                                    lambda: settings, present, (ops.OperationError,))
if problem:
    st.error(f"{problem} The figure still shows the last settings that worked.")
formula = None if problem else ops.output_size_formula(side, size, stride, padding)

if formula:
    out_side = ops.output_size(side, size, stride, padding)
    st.markdown(f"**Output size: {out_side} x {out_side}** from {side} x {side}, pool {size} x {size}, "
                f"stride {stride}:")
    st.code(formula, language=None, wrap_lines=True)
if animation is not None:
    ui.plot(animation, key="pool_animation")

st.subheader("Why pool? Move the digit and measure")
st.markdown(
    "Shift the digit by a pixel or two, redo the convolution, and compare with the original: how much did "
    "the **feature map** change, and how much did the **pooled map** change? (change = sum of the absolute "
    "differences / sum of the original map; 0% = identical)."
)
shown = st.session_state.get("pool_last_good")
if shown:
    shown_index, shown_kernel, shown_size, shown_stride, shown_mode, shown_padding, _ = shown
    table = convolution_ui.pool_shift_table(shown_index, shown_kernel, shown_size, shown_stride, shown_mode, shown_padding)
    one_pixel = table[0]
    raw_column, pooled_column = st.columns(2)
    raw_column.metric("Feature map change, digit moved 1 pixel right",
                      f"{one_pixel['feature map change']:.0%}")
    pooled_column.metric(f"{shown_mode.capitalize()}-pooled map change, same move",
                         f"{one_pixel['pooled map change']:.0%}",
                         delta=f"{(one_pixel['pooled map change'] - one_pixel['feature map change']) * 100:+.0f} "
                               "percentage points",
                         delta_color="inverse")
    st.dataframe({"digit moved": [row["shift"] for row in table],
                  "feature map changed by": [f"{row['feature map change']:.0%}" for row in table],
                  "pooled map changed by": [f"{row['pooled map change']:.0%}" for row in table]},
                 hide_index=True)
    st.caption("A small move shuffles the feature map's cells, but most windows keep the same strongest "
               "value, so the pooled map changes less. Larger moves need several conv + pool layers.")
