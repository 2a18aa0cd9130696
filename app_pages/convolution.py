"""Page "Convolution": a kernel slides over an image, each output cell a sum of products
(seeds 001-003), first on the lesson's 5 x 5 example, then on a real digit, then many filters.

The explorer (cnnviz.ui.explorer) draws and animates the convolution in the student's browser; this
page only sends it the numbers."""

import streamlit as st

from cnnviz import ui
from cnnviz.lesson import kernels, ops
from cnnviz.ui import convolution as convolution_ui
from cnnviz.ui import explorer

present = ui.presenter()
(x_train, y_train), _ = ui.mnist_or_stop()

st.title("Convolution: a filter slides over the image")
ui.intro(
    "A **kernel** (or filter) is a small grid of weights. Put it on the image, **multiply** each pixel by "
    "the weight on top of it and **add the products up**: that sum is one cell of the output, the "
    "**feature map**. Then slide one step and do it again. Press **Play**, step with the arrow keys, or "
    "point at an output cell to see its sum written out."
)

example_tab, digit_tab, stack_tab = st.tabs(["The 5 x 5 example", "On a real digit", "Many filters at once"],
                                            key="conv_tab", bind="query-params")

with example_tab:
    with ui.main_picture() if st.session_state.get("conv_tab") == "The 5 x 5 example" else st.container():
        explorer.convolution(convolution_ui.SEED_IMAGE, convolution_ui.SEED_KERNEL, decimals=0,
                             input_title="Image", output_title="Feature map", presenter=present,
                             max_height_px=ui.PRESENTER_PICTURE_PX if present else 420, key="conv_example")
    st.caption("The image holds only 0 and 1 here. Step 1: the window covers rows 0-2 and columns 0-2; "
               "the products add up to 4, the first cell of the output.")

with digit_tab:
    choose_digit, choose_preset, choose_size, choose_stride, choose_padding, choose_dilation = st.columns(
        [2, 3, 2, 1.4, 1.8, 1.6])
    index = choose_digit.number_input("Digit", min_value=0, max_value=len(x_train) - 1, value=0, step=1,
                                      key="conv_digit", bind="query-params",
                                      help=f"Which of the {len(x_train):,} training digits (0 to {len(x_train) - 1:,}).")
    preset = choose_preset.selectbox("Kernel", list(kernels.PRESETS), index=1, key="conv_preset",
                                     bind="query-params",
                                     help="The kernel the explorer starts from: click its cells to change them.")
    size = choose_size.segmented_control("Size", kernels.KERNEL_SIZES, default=3, key="conv_size",
                                         bind="query-params", format_func=lambda n: f"{n} x {n}") or 3
    stride = choose_stride.selectbox("Stride", [1, 2, 3], key="conv_stride", bind="query-params",
                                     help="How far the window moves each step.")
    padding_choice = choose_padding.selectbox(
        "Padding", ["valid (none)", "same", "1", "2"], key="conv_padding", bind="query-params",
        help='Zeros added around the image. "same" adds just enough to keep ceil(28 / stride) cells, as Keras does.')
    dilation = choose_dilation.selectbox("Dilation", [1, 2, 3], key="conv_dilation", bind="query-params",
                                         help="Gaps between the kernel's cells: 2 reads every other pixel.")
    padding = {"valid (none)": "valid", "same": "same"}.get(padding_choice) or int(padding_choice)

    # The kernel's cells start from the preset; a new preset or size starts a fresh grid. A link's own
    # cells (?conv_cells=1,0,-1;...) fill it on the first run of this session.
    source = (preset, size)
    if st.session_state.get("conv_kernel_source") != source:
        st.session_state["conv_kernel_source"] = source
        convolution_ui.reset_kernel_cells(preset, size)
    if "conv_cells_applied" not in st.session_state:
        st.session_state["conv_cells_applied"] = True
        convolution_ui.apply_linked_cells(st.query_params.get("conv_cells"), size)
    problem = st.session_state.pop("conv_kernel_problem", None)  # a typed weight it could not use
    try:
        kernel = kernels.parse_grid(st.session_state["conv_kernel_cells"])  # KernelError names a bad cell
        convolution_ui.link_cells(kernel, preset)
        st.session_state["conv_last_kernel"] = kernel.tolist()
    except kernels.KernelError as error:
        problem = f"{error} The pictures still use the last kernel that worked."
        kernel = kernels.preset_weights(preset, size) if "conv_last_kernel" not in st.session_state else \
            st.session_state["conv_last_kernel"]
    with ui.main_picture() if st.session_state.get("conv_tab") == "On a real digit" else st.container():
        explorer.convolution(convolution_ui.scaled_digit(int(index)), kernel, stride=int(stride),
                             padding=padding, dilation=int(dilation), decimals=2,
                             input_title=f"Digit #{int(index):,} (a {int(y_train[int(index)])})",
                             output_title="Feature map", presenter=present, start_at_end=True,
                             max_height_px=410 if present else 470, key=convolution_ui.DIGIT_EXPLORER,
                             editable_kernel=True, on_kernel_cell=convolution_ui.take_kernel_cell)

    kernel_column, info_column = st.columns([2, 3])
    with kernel_column:  # the link keeps conv_cells exactly while the kernel differs from its preset
        st.markdown("**Your own kernel:** click a cell of the kernel above, type a weight, press Enter.")
        if "conv_cells" in st.query_params:
            st.caption(f"*Your own kernel*, started from *{preset}*.")
            st.button("Back to the preset", key="conv_kernel_reset", icon=":material/restart_alt:",
                      on_click=convolution_ui.reset_kernel_cells, args=(preset, size))
        else:
            st.caption(f"*{preset}*: {kernels.PRESETS[preset].explanation}")

    with info_column:
        if problem:
            st.error(problem)
        try:  # the engine refuses what the explorer above refuses, in the same words
            side = ops.conv2d(convolution_ui.scaled_digit(int(index)), kernel, int(stride), padding,
                              int(dilation)).shape[0]
        except ops.OperationError:
            side = None
        if side is not None:
            st.markdown(f"**Output size: {side} x {side}** (the input is 28 x 28). Along each side:")
            formula = ops.output_size_formula(28, len(kernel), int(stride), padding, int(dilation))
            st.markdown(f"`{formula}`")  # inline: st.code would load a 1.5 MB syntax highlighter for one line
            st.caption("floor(...) rounds down: a window that would stick out past the (padded) edge is not used.")

    if side is not None:
        st.markdown("**ReLU** keeps the positive responses and turns every negative one into 0. "
                    "Red = positive, blue = negative, white = 0.")
        kernel_rows = tuple(map(tuple, kernel.tolist() if hasattr(kernel, "tolist") else kernel))
        raw_picture, relu_picture = convolution_ui.conv_result_pictures(int(index), kernel_rows, int(stride),
                                                                        padding, int(dilation), present)
        raw_column, relu_column = st.columns(2)
        raw_column.image(raw_picture)
        relu_column.image(relu_picture)


@ui.fragment
def layer_of_kernels(index: int) -> None:
    """Pick the layer's kernels: only this tab reruns (a fragment), not the explorers above."""
    chosen = st.multiselect("Kernels in the layer", list(kernels.PRESETS), key="conv_stack",
                            default=["vertical edges", "horizontal edges", "outline", "blur"], bind="query-params")
    if not chosen:
        st.info("Pick at least one kernel to see its feature map.")
        return
    picture, kernel_shape, maps_shape = convolution_ui.conv_stack_picture(index, tuple(chosen), present)
    st.markdown(f"Digit #{index:,}: input (28, 28, 1), kernels {kernel_shape}, output **{maps_shape}**: "
                f"{len(chosen)} feature maps of {maps_shape[0]} x {maps_shape[1]}, on one colour scale "
                "(blue negative, white 0, red positive).")
    st.image(picture)


with stack_tab:
    st.markdown(
        "A `Conv2D(filters=N, kernel_size=(3, 3))` layer slides **N kernels** over the same image and "
        "stacks their outputs: N feature maps, one per filter. A trained network learns its kernels; "
        "here you pick them."
    )
    layer_of_kernels(int(index))
