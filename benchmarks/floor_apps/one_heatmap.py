"""Floor for benchmarks/browser_pages.py: a Streamlit page whose only picture is one 28x28 Plotly
heatmap, so the table shows what Plotly's bundle alone costs a browser (no numbers in the cells)."""

import numpy as np
import plotly.graph_objects as go
import streamlit as st

SIDE = 28  # an MNIST digit's side
rows, columns = np.mgrid[0:SIDE, 0:SIDE]
values = np.rint(255 * np.exp(-((rows - 13.5) ** 2 + (columns - 13.5) ** 2) / 60)).astype(int)  # (28, 28) a blob

st.title("A page with one Plotly heatmap")
figure = go.Figure(go.Heatmap(z=values, colorscale="gray", reversescale=True, colorbar={"title": "value"}))
figure.update_layout(width=420, height=400, margin={"l": 10, "r": 10, "t": 10, "b": 10},
                     yaxis={"autorange": "reversed", "scaleanchor": "x"})
st.plotly_chart(figure, width="content")
