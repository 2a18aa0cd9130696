"""Page "Draw for the class": each student draws the digits they are asked for, and sends them to
the class's handwriting on the projector."""

import streamlit as st

from cnnviz import ui
from cnnviz.ui import classroom as class_ui
from cnnviz.ui import classroom_board as board_ui
from cnnviz.ui import classroom_digits as draw_ui
from cnnviz.ui import digits as digits_ui

st.title("Draw for the class")
st.markdown("Draw the digit you are asked for, **big, in the middle** of the black square, and send it. "
            "The projector shows the class's digits, and how well the MLP and the CNN read your handwriting "
            "compared with MNIST's.")
code = board_ui.class_or_stop("This page sends your digits to a class.")
class_ui.show_notice()
asked = draw_ui.prompt_digit()
st.subheader(f"Draw a {asked}")
st_canvas = digits_ui.canvas_or_message("The drawing canvas is not available on this server.")
if st_canvas is None:
    ui.stop()
st_canvas(stroke_width=24, stroke_color="#FFFFFF", background_color="#000000", height=280, width=280,
          drawing_mode="freedraw", return_image_data=True, key=draw_ui.canvas_key())
st.button(f"Send my {asked} to the class", icon=":material/send:", type="primary", key="class_draw_send",
          on_click=draw_ui.send_drawing, args=(code, draw_ui.canvas_key(), asked))
