"""Page "Your digit": draw, upload or photograph a digit, see MNIST's preprocessing step by step,
and compare the MLP's and a CNN's answers."""

import streamlit as st

from cnnviz.digits import figures as activation_figures
from cnnviz.digits import images
from cnnviz import ui
from cnnviz.ui import digits as digits_ui
from cnnviz.ui import lesson

present = ui.presenter()
(_, _), (x_test, _) = ui.mnist_or_stop()

st.title("Your digit")
ui.intro(
    "Networks trained on MNIST only know **white digits on a black 28 x 28 square**, scaled and "
    "centred the MNIST way. Give them your own digit and watch it being turned into exactly that."
)

DRAW, UPLOAD, CAMERA = "Draw it", "Upload a picture", "Use the camera"
INK_CHOICES = {"Guess for me": None, "Dark ink on light paper": True, "Light ink on dark background": False}

mode = st.radio("How will you give the network your digit?", [DRAW, UPLOAD, CAMERA], horizontal=True,
                key="digit_mode", bind="query-params")
raw, ink = None, "Guess for me"
input_column, steps_column = st.columns([1, 2.7], gap="medium")
with input_column:
    if mode == DRAW:
        st_canvas = digits_ui.canvas_or_message("The drawing canvas is not available on this server: upload a "
                                                "picture instead.")
        if st_canvas is not None:
            st.session_state.setdefault("digit_canvas_round", 0)
            canvas = st_canvas(stroke_width=st.session_state.get("digit_pen", 24), stroke_color="#FFFFFF",
                               background_color="#000000", height=280, width=280, drawing_mode="freedraw",
                               return_image_data=True, key=f"digit_canvas_{st.session_state['digit_canvas_round']}")
            st.slider("Pen width", 10, 40, 24, key="digit_pen")
            if st.button("Clear the canvas", icon=":material/delete:", key="digit_clear"):
                st.session_state["digit_canvas_round"] += 1
                st.session_state.pop(digits_ui.OWN_DIGIT_KEY, None)
                st.rerun()
            raw = canvas.image_data
    else:
        if mode == UPLOAD:
            upload = st.file_uploader("A PNG or JPEG picture of one digit",
                                      type=["png", "jpg", "jpeg", "gif", "bmp", "webp"], key="digit_upload")
            raw = upload.getvalue() if upload is not None else None
        else:
            photo = st.camera_input("Hold a digit written with a thick marker on white paper up to the camera",
                                    key="digit_camera")
            raw = photo.getvalue() if photo is not None else None
        ink = st.radio("Ink colour", list(INK_CHOICES), key="digit_ink",
                       help="MNIST digits are white on black. A photo of dark ink on paper must be inverted: "
                            "we guess from the picture, but you can tell us.")

problem, steps = None, None
if raw is not None:
    try:
        steps = digits_ui.digit_steps(raw, INK_CHOICES[ink])
    except images.ImageError as error:
        problem = str(error)
with steps_column, ui.main_picture():
    if steps is None:  # nothing of the student's yet: the same steps on an example, so the class sees them
        st.markdown("**What the network receives**: an example, a 7 drawn small and off-centre. "
                    + ("Draw yours on the left." if mode == DRAW else "Give yours on the left."))
        shown = digits_ui.example_steps()
    else:
        st.markdown("**What the network receives**: MNIST's own preparation of your digit, left to right. "
                    "The last square is all the network sees.")
        shown = steps
    side = 150 if present else 120
    pictures = ([ui.picture(step.image, side) for step in shown] if steps is None  # the class's example
                else digits_ui.digit_step_pictures(raw, INK_CHOICES[ink], side))  # the student's own: in the session
    for column, step, picture in zip(st.columns(len(shown)), shown, pictures):
        with column:
            st.image(picture, caption=step.name, width="stretch")
    if problem and mode != DRAW:
        st.error(problem)
    elif problem or raw is None:  # an empty canvas is not a mistake, just a start
        st.info(problem or "Draw a digit, upload a picture or take a photo: your own steps then appear here.")
    if not present:
        st.image(ui.picture(x_test[0], 112), width=112,
                 caption="An MNIST digit: yours will be turned into one of these.")
if steps is None:
    ui.stop()
digit = steps[-1].image
st.session_state[digits_ui.OWN_DIGIT_KEY] = digit

st.header("What the networks think")
digits_ui.warn_if_not_a_digit(digit)  # before the answers: they look just as sure for a puppy
titles = digits_ui.zoo_titles()
cnn_names = [name for name in titles if name != "mlp"]
digits_ui.choose_default_network("digit_cnn", {name: titles[name] for name in cnn_names}, "cnn_best")


def show_prediction(name: str) -> None:
    """One network's answer for the digit: the predicted class and all ten probabilities."""
    if digits_ui.model_or_message(name) is None:
        return
    probabilities = digits_ui.zoo_probabilities(name, digit)
    st.metric("Prediction", f"{int(probabilities.argmax())}", f"{100 * float(probabilities.max()):.0f}% sure",
              delta_color="off", delta_arrow="off")
    ui.plot(activation_figures.probability_bars(probabilities, present), key=f"digit_bars_{name}")


mlp_column, cnn_column = st.columns(2)
with mlp_column:
    st.selectbox("Dense network (pixels flattened into one list)", ["mlp"], format_func=titles.get, disabled=True,
                 key="digit_mlp")
    show_prediction("mlp")
with cnn_column:
    chosen_cnn = st.selectbox("Convolutional network", cnn_names, format_func=titles.get, key="digit_cnn",
                              bind="query-params")
    lesson.shown_as("digit_cnn", titles.get(chosen_cnn, chosen_cnn))
    show_prediction(chosen_cnn)

if st.button("See this digit inside the CNN", icon=":material/arrow_forward:", type="primary", key="digit_inside"):
    st.session_state["inside_use_own_digit"] = True
    ui.switch_page("app_pages/inside_cnn.py")
