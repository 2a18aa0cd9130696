"""The pages the router lists, read from app.py so new pages join every page test by themselves."""

import ast
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def listed_pages() -> list[dict]:
    """Each ``st.Page(...)`` call in app.py as ``{"path", "title", "url_path", "name"}``, in menu order.

    ``url_path`` is where a browser finds the page ("" for the default page); ``name`` is a
    file-friendly id for test ids and screenshots.
    """
    tree = ast.parse((REPO_ROOT / "app.py").read_text())
    pages = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "Page":
            keywords = {k.arg: k.value.value for k in node.keywords if isinstance(k.value, ast.Constant)}
            if not isinstance(node.args[0], ast.Constant) or keywords.get("visibility") == "hidden":
                continue  # an address that only forwards to a listed page (/matrix)
            path = node.args[0].value
            # Streamlit serves the default page at "/", whatever its url_path says.
            url_path = "" if keywords.get("default") else keywords.get("url_path", Path(path).stem)
            if any(page["name"] == keywords.get("url_path", Path(path).stem) for page in pages):
                continue  # a stand-in for the same page (xception_off.py when CNNVIZ_XCEPTION=off)
            pages.append({"path": path, "title": keywords.get("title", ""), "url_path": url_path,
                          "name": keywords.get("url_path", Path(path).stem)})
    return pages


def open_app(query: dict | None = None, timeout: float = 120):
    """An AppTest of the router (app.py), run once, with optional URL query parameters.

    Switch to another page with ``app.switch_page("app_pages/xyz.py").run()``.
    """
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=timeout)
    for key, value in (query or {}).items():
        app.query_params[key] = value
    return app.run()
