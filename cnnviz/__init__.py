"""cnnviz: the logic behind the app. Only the cnnviz.ui package imports Streamlit."""
