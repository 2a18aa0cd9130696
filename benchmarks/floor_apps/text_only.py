"""Floor for benchmarks/browser_pages.py: the least a Streamlit page costs a browser (a title and a
line of text, nothing loaded lazily)."""

import streamlit as st

st.title("A page with a title")
st.write("And one line of text.")
