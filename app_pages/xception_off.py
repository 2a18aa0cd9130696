"""Page "Xception on your photo" on a server that switched it off (CNNVIZ_XCEPTION=off): says why."""

import streamlit as st

st.title("Xception on your photo")
st.info(
    "**This server has switched the Xception page off** to save memory: the ImageNet network needs "
    "about 1 GB more than the MNIST pages. Everything else works. To switch it back on, start the "
    "app without `CNNVIZ_XCEPTION=off` on a host with at least 3 GB of memory.",
    icon=":material/memory:",
)
