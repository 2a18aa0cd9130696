"""Page "Xception on your photo": a famous ImageNet network names a photo and shows where it looked."""

import streamlit as st

from cnnviz import ui
from cnnviz.digits.image_files import ImageError
from cnnviz.ui import lesson
from cnnviz.ui import xception as xception_ui
from cnnviz.xception import imagenet, loading

present = ui.presenter()

st.title("Xception on your photo")
ui.intro(
    "The finale: **Xception**, a 22.9-million-parameter CNN trained on 1.2 million ImageNet photos, "
    "names what is in a photo out of **1000 classes**, and **Grad-CAM** shows *where* in the photo it "
    "found its evidence."
)

# ----------------------------------------------------------------------------- the photo
samples, sample_notes = xception_ui.xception_samples()
SOURCES = ["Sample photo", "Upload a photo", "Camera"]
fit_labels = {"centre crop": "crop", "squash": "squash"}
source_column, fit_column, photo_column = st.columns([3.7, 2.3, 3])
source = source_column.radio("Photo", SOURCES, horizontal=True, key="xception_source", bind="query-params")
fit_label = fit_column.radio("Make it 299 x 299 by", list(fit_labels), horizontal=True, key="xception_fit",
                             bind="query-params",
                             help="Centre crop keeps proportions but loses the edges; squash keeps everything "
                                  "but stretches the photo.")
mode = fit_labels[fit_label]
photo_bytes, expected = None, None
with photo_column:
    if source == "Sample photo":
        if samples:
            names = [name for name, _, _ in samples]
            chosen = st.selectbox("Sample", names, key="xception_sample", bind="query-params")
            _, photo_bytes, expected = samples[names.index(chosen)]
    elif source == "Upload a photo":
        uploaded = st.file_uploader("A JPEG or PNG photo (up to 10 MB)", key="xception_upload",
                                    type=["jpg", "jpeg", "png", "webp", "bmp", "gif"])
        photo_bytes = uploaded.getvalue() if uploaded is not None else None
    else:
        shot = st.camera_input("Take a photo", key="xception_camera")
        photo_bytes = shot.getvalue() if shot is not None else None

photo, photo_key, photo_problem = None, None, None
own = source != "Sample photo"  # an upload or a camera shot: this student's alone, kept in the session
if photo_bytes is not None:
    photo_key = xception_ui.photo_key(photo_bytes)
    try:
        photo = xception_ui.xception_photo(photo_key, photo_bytes, _own=own)
    except ImageError as error:
        photo_problem = str(error)

model, problems = xception_ui.xception(loading.weights_source())
analysis = None
if model is not None and photo is not None:
    analysis = xception_ui.xception_analysis(photo_key, photo_bytes, mode, loading.weights_source(), _own=own)
if model is None:
    lesson.replace_notice(
        "Notice: Xception cannot run on this server today, so look at what it would be given: the photo made "
        "square, resized to 299 x 299 pixels, and every value rescaled from 0..255 to -1..1.")

picture_slot = st.container()  # the step's picture, drawn once the Grad-CAM controls below are known
if model is None:
    xception_ui.show_problems(problems)
for note in sample_notes if source == "Sample photo" else []:
    st.caption(note)

prepare_tab, predict_tab, gradcam_tab, facts_tab = st.tabs(
    ["1. Preprocess", "2. Top-5 answer", "3. Where it looked (Grad-CAM)", "About Xception"]
)
wait_message = ("needs Xception's weights and class names; see the message above." if model is None
                else "needs a photo first.")

with prepare_tab:
    st.markdown(
        "Xception takes exactly **299 x 299 pixels x 3 colours**. The photo is made square, resized, and "
        "then `preprocess_input` rescales every number from **0..255 to -1..1** (value / 127.5 - 1)."
    )
    if photo is None:
        st.info("No photo yet: choose one above to see how it is prepared.")
    else:
        shown = xception_ui.preparation(photo_key, photo_bytes, mode, present, _own=own)
        if analysis is not None:  # otherwise these three photos are the step's picture, above
            xception_ui.show_preparation(shown, mode, fit_labels, present)
        ui.table(shown["summary"])
        ui.plot(shown["histograms"], key="xception_histograms")

with predict_tab:
    if analysis is None:
        st.info(f"The top-5 answer {wait_message}")
    else:
        predictions, _ = analysis
        best = imagenet.readable(predictions[0][2])
        st.markdown(f"Xception's answer: **{best}** ({100 * predictions[0][3]:.1f} %), the first of the five "
                    "most probable classes out of 1000 in the chart above.")
        if expected:
            st.caption(f"A well-trained Xception answers about **{expected}** for this sample.")
        st.caption(f"Weights: {loading.weights_source()}.")

chosen_class, strength = None, 0.5
with gradcam_tab:
    if analysis is None:
        st.info(f"Grad-CAM {wait_message}")
    else:
        predictions, _ = analysis
        st.markdown(
            "**Grad-CAM** asks: which of the last convolution's 10 x 10 regions raised this class's score? "
            "Hot colours mark strong evidence; the grid is stretched over the photo Xception saw (the picture "
            "above). Choose the class it explains and how strongly the heatmap covers the photo."
        )
        class_column, strength_column = st.columns([3, 2])
        choices = {f"{imagenet.readable(label)} ({100 * probability:.1f} %)": index
                   for index, _, label, probability in predictions}
        chosen_class = class_column.selectbox("Explain the class", list(choices), key="xception_class",
                                              bind="query-params")
        strength = strength_column.slider("Overlay strength", 0.0, 1.0, 0.5, 0.05, key="xception_strength",
                                          bind="query-params",
                                          help="0 shows only the photo, 1 only the heatmap.")
        overlay, grid = xception_ui.evidence_figures(photo_key, photo_bytes, mode, loading.weights_source(),
                                                     choices[chosen_class], strength, present, chosen_class,
                                                     _own=own)
        ui.plot(grid, key="xception_grid")

with picture_slot, ui.main_picture():
    if analysis is not None:
        overlay_column, answer_column = st.columns([1, 1.3])
        with overlay_column:
            ui.plot(overlay, key="xception_overlay")
        with answer_column:
            ui.plot(xception_ui.answer_figure(photo_key, photo_bytes, mode, loading.weights_source(), present,
                                              _own=own), key="xception_top")
    elif photo is not None:
        xception_ui.show_preparation(xception_ui.preparation(photo_key, photo_bytes, mode, present, _own=own), mode,
                                    fit_labels, present)
    elif photo_problem:
        st.error(f"**This photo cannot be used.** {photo_problem}")
    else:
        st.info("Choose a sample, upload a photo or take one with the camera to begin.")

with facts_tab:
    facts = xception_ui.xception_facts()
    side = facts["input_shape"]
    input_column, params_column, layers_column = st.columns(3)
    input_column.metric("Input", f"{side[0]} x {side[1]} x {side[2]}")
    params_column.metric("Parameters", f"{facts['params']:,}", help=f"{facts['megabytes']:.0f} MB as 32-bit floats")
    layers_column.metric("Layers", f"{facts['layers']}",
                         help=f"{facts['weight_layers']} of them learn weights; the rest are batch "
                              "normalisation, activations, pooling and additions.")
    st.markdown(
        f"Of its {facts['weight_layers']} learning layers, **{facts['separable_convolutions']} are "
        f"depthwise-separable convolutions** ({facts['plain_convolutions']} are ordinary ones and 1 is the "
        "final dense layer). A depthwise-separable convolution first filters each colour or feature channel "
        "on its own with a small 3 x 3 kernel, then mixes the channels with a 1 x 1 convolution. Splitting "
        "*where* from *which channels* needs far fewer weights than one full 3 x 3 convolution over all "
        "channels, which is how Xception gets so deep with only 22.9 million parameters."
    )
    mnist_params = xception_ui.mnist_cnn_params()
    if mnist_params:
        st.markdown(
            f"**Compared with our MNIST CNN:** {mnist_params:,} parameters against Xception's "
            f"{facts['params']:,}, about **{facts['params'] / mnist_params:,.0f} times** as many, for "
            "photos of 299 x 299 x 3 = 268,203 numbers instead of digits of 28 x 28 = 784."
        )
