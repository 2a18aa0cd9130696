"""cnnviz: an interactive lesson on convolutional neural networks. Router only.

Run with ``streamlit run app.py``. Each page lives in ``app_pages/``; the logic lives in ``cnnviz/``.
The router adds what every page shares: presenter mode, the guided lesson's previous/next bar, a
notice for link values a page cannot use, and (in presenter mode) a QR code of the current view,
made after the page has run so that it holds the view as it is now.
"""

import os

import streamlit as st

from cnnviz import allocator, ui
from cnnviz.ui import classroom as class_ui
from cnnviz.ui import classroom_questions, lesson, warmup

allocator.return_big_blocks()  # once per server: freed blocks of 32 MB+ go back to the system
st.set_page_config(page_title="cnnviz: see inside a CNN", page_icon=":material/grid_on:", layout="wide")

PAGES = {
    "matrix": st.Page("app_pages/matrix.py", title="An image is a matrix", icon=":material/grid_on:",
                      url_path="start", default=True),
    "convolution": st.Page("app_pages/convolution.py", title="Convolution", icon=":material/blur_on:",
                           url_path="convolution"),
    "pooling": st.Page("app_pages/pooling.py", title="Max pooling", icon=":material/grid_view:", url_path="pooling"),
    "mlp-vs-cnn": st.Page("app_pages/mlp_vs_cnn.py", title="MLP vs CNN", icon=":material/leaderboard:",
                          url_path="mlp-vs-cnn"),
    "train-your-own": st.Page("app_pages/playground.py", title="Train your own CNN", icon=":material/tune:",
                              url_path="train-your-own"),
    "inside-the-cnn": st.Page("app_pages/inside_cnn.py", title="Inside the CNN", icon=":material/layers:",
                              url_path="inside-the-cnn"),
    "your-digit": st.Page("app_pages/your_digit.py", title="Your digit", icon=":material/draw:",
                          url_path="your-digit"),
    "draw-for-the-class": st.Page("app_pages/draw_for_the_class.py", title="Draw for the class",
                                  icon=":material/gesture:", url_path="draw-for-the-class"),
    "fool-the-mlp": st.Page("app_pages/fool_the_mlp.py", title="Fool the MLP", icon=":material/open_with:",
                            url_path="fool-the-mlp"),
    "xception": st.Page("app_pages/xception.py", title="Xception on your photo", icon=":material/photo_camera:",
                        url_path="xception"),
    "class-board": st.Page("app_pages/class_board.py", title="Class board", icon=":material/leaderboard:",
                           url_path="class-board"),
}
if os.environ.get("CNNVIZ_XCEPTION") == "off":  # a host under about 3 GB keeps ImageNet's network out (README)
    PAGES["xception"] = st.Page("app_pages/xception_off.py", title="Xception on your photo",
                                icon=":material/photo_camera:", url_path="xception")



def matrix_by_name() -> None:
    """``/matrix``: the first page lives at the root, but a typed or older link may name it."""
    st.switch_page(PAGES["matrix"], query_params=ui.url_parameters())


# Hidden from the menu: only answers the address /matrix (a default page has no address of its own).
MATRIX_BY_NAME = st.Page(matrix_by_name, title="An image is a matrix", url_path="matrix", visibility="hidden")

ui.skip_keras_clear_session()
warmup.start()  # models and test-set answers load in the background while the class reads page 1
link_at_start = ui.url_parameters()
navigation = st.navigation([*PAGES.values(), MATRIX_BY_NAME])
present = ui.presenter_toggle()
if present:  # a projector needs the whole width: the sidebar starts collapsed (its arrow opens it)
    st.set_page_config(initial_sidebar_state="collapsed")
st.sidebar.caption("cnnviz teaches CNNs with real MNIST digits and trained Keras models.")
page_path = navigation.url_path or lesson.DEFAULT_PAGE
share_slot = lesson.lesson_bar(PAGES, page_path, present)
notice_area = st.container()
try:
    navigation.run()
except ui.PageEnded:  # the page has explained why it stopped early
    pass
classroom_questions.question_box(page_path, notice_area)  # in a class: this step's question, live tally

# After the page: its widgets have written the current view into the URL.
link_now = ui.url_parameters()
with notice_area:
    lesson.show_rejections(lesson.rejected_values(link_at_start, link_now, st.session_state))
if present:
    with share_slot.container(horizontal=True, gap="small"):
        lesson.share_popover(lesson.student_link(page_path, link_now))
        class_ui.class_controls()  # Start a class, or the class code and the teacher's menu
ui.run_marker()  # the run's last element: it has drawn everything (tests/browser_support.py waits for it)
