"""A small host switches the Xception page off (CNNVIZ_XCEPTION=off): the page says so, in a sentence."""

from pages_list import open_app


def test_switched_off_xception_page_explains_itself(monkeypatch):
    monkeypatch.setenv("CNNVIZ_XCEPTION", "off")
    app = open_app().switch_page("app_pages/xception_off.py").run()
    assert not app.exception
    assert any("switched the Xception page off" in box.value for box in app.info)
    assert app.title[0].value == "Xception on your photo"


def test_xception_page_is_on_by_default(monkeypatch):
    monkeypatch.delenv("CNNVIZ_XCEPTION", raising=False)
    app = open_app().switch_page("app_pages/xception.py").run()
    assert not app.exception
    assert not any("switched the Xception page off" in box.value for box in app.info)
