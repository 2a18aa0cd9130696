"""Page "Fool the MLP": move, turn and resize a digit until the MLP misreads it while the CNN still
reads it right; in a class, send the change to the class board."""

import streamlit as st

from cnnviz import ui
from cnnviz.ui import classroom as class_ui
from cnnviz.ui import classroom_digits as fool_ui

(_, _), (x_test, y_test) = ui.mnist_or_stop()
st.title("Fool the MLP")
st.markdown("The MLP learned **which pixels** matter; the CNN's filters **slide** over the picture. Move, turn "
            "or resize the digit and watch both answers. Find the **smallest change** that makes the MLP wrong "
            "while the CNN stays right.")
digit, label, caption = fool_ui.fool_digit_choice(x_test, y_test)
st.caption(f"Playing with {caption}, a {label}.")
fool_ui.fool_sliders(digit, label, class_ui.current_class())
