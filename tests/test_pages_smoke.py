"""Every page the router lists runs without an exception, in normal and presenter mode."""

import pytest
from pages_list import listed_pages, open_app

PAGES = listed_pages()


def test_router_lists_the_matrix_page_first():
    assert PAGES[0]["path"] == "app_pages/matrix.py"


@pytest.mark.parametrize("presenter", [False, True], ids=["normal", "presenter"])
@pytest.mark.parametrize("page", PAGES, ids=[page["name"] for page in PAGES])
def test_page_runs_without_exception(page, presenter):
    app = open_app({"present": "1"} if presenter else None)
    app.switch_page(page["path"]).run()
    assert not app.exception, [error.value for error in app.exception]
    assert app.toggle(key="present").value is presenter
    assert app.title, f"{page['path']} shows no title"
