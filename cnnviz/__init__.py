"""cnnviz: the logic behind the app (no Streamlit import here; see cnnviz/ui.py for that)."""
