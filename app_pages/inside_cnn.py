"""Page "Inside the CNN": one digit through a trained CNN, every layer's feature maps, the first
layer's filters, the dense activations, the probabilities, and one feature map up close."""

import streamlit as st

from cnnviz import data, ui
from cnnviz.ui import digits as digits_ui
from cnnviz.ui import explorer
from cnnviz.ui import inside as inside_ui
from cnnviz.ui import lesson

present = ui.presenter()
(_, _), (x_test, y_test) = ui.mnist_or_stop()

st.title("Inside the CNN")
ui.intro(
    "A CNN's first layers react to **edges and strokes**, the next ones to **parts of shapes**, the "
    "last ones to **whole digits**. Pick a network and a digit and watch every layer respond: the "
    "picture shows each stage's most active maps at their true size. Bright = the filter found what "
    "it looks for; dark = nothing there."
)

TEST_DIGIT, OWN_DIGIT = "A test digit", "Your digit"
titles = digits_ui.zoo_titles()
model_labels = {name: title for name, title in titles.items() if name != "mlp"}
if digits_ui.playground_model() is not None:
    model_labels[digits_ui.PLAYGROUND_SOURCE] = (
        f"Your playground network ({st.session_state.get(digits_ui.PLAYGROUND_NAME_KEY) or 'unnamed'})")
# The lesson's own CNN first; otherwise the first network already trained on this server.
digits_ui.choose_default_network("inside_model", model_labels, "cnn_lesson")

sources = [TEST_DIGIT] + ([OWN_DIGIT] if digits_ui.OWN_DIGIT_KEY in st.session_state else [])
if st.session_state.pop("inside_use_own_digit", False) and OWN_DIGIT in sources:
    st.session_state["inside_source"] = OWN_DIGIT  # arrived from "Your digit" with a digit
if st.session_state.get("inside_source") not in sources:
    st.session_state["inside_source"] = TEST_DIGIT

model_column, source_column, class_column, position_column = st.columns([3, 2, 1, 2], vertical_alignment="bottom")
source = model_column.selectbox("Network", list(model_labels), format_func=model_labels.get, key="inside_model",
                                bind="query-params")
lesson.shown_as("inside_model", model_labels[source])
digit_source = source_column.radio("Digit", sources, key="inside_source", horizontal=True,
                                   help="Draw or photograph your own digit on the page 'Your digit'.")
if digit_source == TEST_DIGIT:
    digit_class = class_column.selectbox("Class", list(range(10)), key="inside_class", bind="query-params")
    candidates = data.indices_of_class(y_test, digit_class)
    position = position_column.number_input(
        f"Which one (0 to {len(candidates) - 1})", min_value=0, max_value=len(candidates) - 1, step=1,
        key="inside_position", bind="query-params")
    index = int(candidates[position])
    image = data.scale(x_test[index])
    digit_caption = (f"the test set's {digit_class}s, number {position} of {len(candidates)} "
                     f"(test image #{index:,}, labelled {int(y_test[index])})")
else:
    image = st.session_state[digits_ui.OWN_DIGIT_KEY]  # seen by this student alone: cached in the session
    digit_caption = "your digit, after MNIST's normalisation"
    class_column.page_link("app_pages/your_digit.py", label="Change it", icon=":material/draw:")

own_digit = digit_source == OWN_DIGIT
model = digits_ui.model_or_message(source)
if model is None:
    ui.stop()
try:
    with st.spinner("Running the digit through every layer..."):
        views = inside_ui.layer_pictures(source, image, present, own=own_digit)
        overview = inside_ui.overview_png(source, image, present, own=own_digit)
except ValueError as error:  # a playground network built for another input shape
    st.error(f"**This network cannot take a 28 x 28 digit.** {error}")
    ui.stop()
with ui.main_picture(), st.container(key="wide_picture"):  # its fullscreen button inside it (ui._BASE_CSS)
    st.image(overview, width=inside_ui.OVERVIEW_SIZE[present][0])
    st.caption(f"The input: {digit_caption}. Each column: a stage's two most active maps, at their true size.")

filters = inside_ui.first_filters(source, present)
if filters is not None:
    st.subheader("The first layer's filters")
    st.caption(f"{filters[0]}: what the network learned to look for; each small grid slides over the image. "
               "Red = positive weight (wants ink there), blue = negative (wants background).")
    st.image(filters[1])

st.header("Layer by layer")
st.caption("Every layer's output for this digit. Map layers: all maps on one colour scale (its range on the "
           "legend), numbered left to right, row by row.")
map_layers = []
for view in views:
    shape = " x ".join(str(size) for size in view["shape"])
    st.subheader(f"{view['name']}  ·  {view['class_name']}  ·  output {shape}")
    if view["kind"] == "maps":
        map_layers.append(view)
    if view["kind"] == "flat":
        st.caption(f"The maps laid end to end as one list of {view['shape'][0]:,} numbers, ready for the dense layers.")
    elif view["kind"] == "bars":
        st.caption("One bar per neuron of this dense layer.")
    elif view["kind"] == "probabilities":
        st.caption("The ten probabilities: the network's answer.")
    if view["png"] is not None:
        st.image(view["png"])


@ui.fragment
def one_map_up_close(map_layers: list[dict]) -> None:
    """Pick a layer and a map: only this part reruns (a fragment), not the whole page's pictures."""
    layer_column, map_column = st.columns(2)
    layer_names = [view["name"] for view in map_layers]
    chosen_layer = layer_column.selectbox("Layer", layer_names, key="inside_detail_layer", bind="query-params")
    maps = next(view["values"] for view in map_layers if view["name"] == chosen_layer)  # (height, width, count)
    count = maps.shape[-1]
    inside_ui.open_close_up_on_an_active_map(source, digit_caption, chosen_layer, maps)
    if st.session_state.get("inside_detail_map", 0) > count - 1:
        st.session_state["inside_detail_map"] = 0
    chosen_map = map_column.slider("Map number", 0, count - 1, key="inside_detail_map", bind="query-params")
    detail = inside_ui.map_detail(source, image, (chosen_layer, int(chosen_map)), own=own_digit)
    map_area, filter_area = st.columns([3, 2])
    with map_area:
        values = detail["map"]
        explorer.matrix(values, decimals=2, colours="reds" if float(values.min()) >= 0 else "signed",
                        title=f"{chosen_layer}, map {chosen_map}", presenter=present, key="inside_detail_map_view")
    with filter_area:
        kernel = detail["filter"]
        if kernel is not None and kernel.shape[-1] == 1:
            explorer.matrix(kernel[..., 0], decimals=2, colours="signed",
                            title="its filter", presenter=present,
                            max_height_px=300, key="inside_detail_filter_view")
        elif kernel is not None:
            st.image(inside_ui.filter_stack_png(kernel, present),
                     caption=f"{detail['filter_layer']}, filter {chosen_map}: one slice per input map")
        if detail["note"]:
            st.info(detail["note"])


if map_layers:
    st.header("One feature map up close")
    one_map_up_close(map_layers)
