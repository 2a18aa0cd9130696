"""Every page in a real browser: loads, no exception, main figure drawn, screenshot at 1280x720."""

import pytest

from browser_support import screenshot, wait_for_app
from pages_list import listed_pages

PAGES = listed_pages()
# A drawn Plotly chart, a picture, or a table (the playground opens on its layer table).
MAIN_FIGURE = ('[data-testid="stPlotlyChart"] .main-svg, [data-testid="stImage"] img, '
               '[data-testid="stDataFrame"] canvas')

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("page_info", PAGES, ids=[page["name"] for page in PAGES])
def test_page_renders_in_chromium(streamlit_server, browser_page, page_info):
    browser_page.goto(f"{streamlit_server}/{page_info['url_path']}")
    wait_for_app(browser_page)
    browser_page.wait_for_selector(MAIN_FIGURE, timeout=120_000)
    assert browser_page.locator('[data-testid="stException"]').count() == 0
    assert browser_page.locator("h1").first.inner_text().strip().startswith(page_info["title"])
    screenshot(browser_page, page_info["name"])


@pytest.mark.parametrize("link", ["present=true", "present=1"])
def test_presenter_mode_from_url_survives_navigation(streamlit_server, browser_page, link):
    """?present=true is the toggle's own URL binding; older links' ?present=1 still switch it on."""
    browser_page.goto(f"{streamlit_server}/?{link}")
    wait_for_app(browser_page)
    # The presenter style arrives with the script run's elements; give it a moment to apply.
    browser_page.wait_for_function("getComputedStyle(document.documentElement).fontSize === '22px'",
                                   timeout=15_000)
    assert browser_page.get_by_role("switch", name="Presenter mode").is_checked()
    browser_page.wait_for_selector(MAIN_FIGURE)
    screenshot(browser_page, "matrix-presenter")
    if len(PAGES) > 1:
        browser_page.locator('[data-testid="stSidebarNav"] a').nth(1).click()
        wait_for_app(browser_page)
        if link == "present=true":
            assert "present=true" in browser_page.url
        browser_page.wait_for_function("getComputedStyle(document.documentElement).fontSize === '22px'",
                                       timeout=15_000)


def test_matrix_page_digit_from_url(streamlit_server, browser_page):
    browser_page.goto(f"{streamlit_server}/?digit=7")
    wait_for_app(browser_page)
    texts = browser_page.locator('[data-testid="stMarkdown"]').all_inner_texts()
    assert any("Training image #7, labelled 3" in text for text in texts), texts
