"""Page "Class board": on the projector, what the class sent: its handwriting (gallery, accuracy,
confusion matrices, mistakes) and the "fool the MLP" board."""

import streamlit as st

from cnnviz.ui import classroom_board as board_ui

st.title("Class board")
code = board_ui.class_or_stop("The class board shows what a class sent.")
handwriting_tab, confusion_tab, mistakes_tab, fool_tab = st.tabs(
    ["Handwriting", "Confusion matrices", "Mistakes", "Fool the MLP"], key="board_tab", bind="query-params",
    default="Handwriting", on_change="rerun")
if handwriting_tab.open:
    with handwriting_tab:
        board_ui.handwriting(code)
if confusion_tab.open:
    with confusion_tab:
        board_ui.confusion(code)
if mistakes_tab.open:
    with mistakes_tab:
        board_ui.mistakes(code)
if fool_tab.open:
    with fool_tab:
        board_ui.fool_board(code)
