"""cnnviz: an interactive lesson on convolutional neural networks. Router only.

Run with ``streamlit run app.py``. Each page lives in ``app_pages/``; the logic lives in ``cnnviz/``.
"""

import streamlit as st

from cnnviz import ui

st.set_page_config(page_title="cnnviz: see inside a CNN", page_icon=":material/grid_on:", layout="wide")

PAGES = [
    st.Page("app_pages/matrix.py", title="An image is a matrix", icon=":material/grid_on:", url_path="matrix",
            default=True),
    st.Page("app_pages/convolution.py", title="Convolution", icon=":material/blur_on:", url_path="convolution"),
    st.Page("app_pages/pooling.py", title="Max pooling", icon=":material/grid_view:", url_path="pooling"),
    st.Page("app_pages/mlp_vs_cnn.py", title="MLP vs CNN", icon=":material/leaderboard:", url_path="mlp-vs-cnn"),
    st.Page("app_pages/playground.py", title="Train your own CNN", icon=":material/tune:",
            url_path="train-your-own"),
    st.Page("app_pages/inside_cnn.py", title="Inside the CNN", icon=":material/layers:", url_path="inside-the-cnn"),
    st.Page("app_pages/your_digit.py", title="Your digit", icon=":material/draw:", url_path="your-digit"),
    st.Page("app_pages/xception.py", title="Xception on your photo", icon=":material/photo_camera:",
            url_path="xception"),
]

ui.skip_keras_clear_session()
navigation = st.navigation(PAGES)
ui.presenter_toggle()
st.sidebar.caption("cnnviz teaches CNNs with real MNIST digits and trained Keras models.")
navigation.run()
