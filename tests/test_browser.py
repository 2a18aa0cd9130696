"""Every page in a real browser: loads, no exception, main figure drawn, screenshot at 1280x720."""

import pytest

from browser_support import open_app, run_state, screenshot, settles
from pages_list import listed_pages

from cnnviz.ui import lesson

PAGES = listed_pages()
LESSON_PAGES = {"start"} | {step.url_path for step in lesson.STEPS}
# Inside the page's main picture (its st-key-main_picture container): a drawn chart, a picture, or the
# explorer (in its shadow root, which Playwright's locators enter) once it has drawn.
MAIN_FIGURE = '.st-key-main_picture img, .st-key-main_picture .main-svg, .st-key-main_picture [data-ready="true"]'


def wait_for_main_figure(page) -> None:
    """Until the main picture holds something drawn (attached: the playground's sits in a closed tab)."""
    page.locator(MAIN_FIGURE).first.wait_for(state="attached", timeout=120_000)

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("page_info", PAGES, ids=[page["name"] for page in PAGES])
def test_page_renders_in_chromium(streamlit_server, browser_page, page_info):
    open_app(browser_page, f"{streamlit_server}/{page_info['url_path']}")
    if page_info["name"] in LESSON_PAGES:  # the class pages need a class before they draw anything
        wait_for_main_figure(browser_page)
    assert run_state(browser_page)["exception"] == 0
    assert browser_page.locator("h1").first.inner_text().strip().startswith(page_info["title"])
    screenshot(browser_page, page_info["name"])


@pytest.mark.parametrize("link", ["present=true", "present=1"])
def test_presenter_mode_from_url_survives_navigation(streamlit_server, browser_page, link):
    """?present=true is the toggle's own URL binding; older links' ?present=1 still switch it on."""
    open_app(browser_page, f"{streamlit_server}/?{link}")
    assert browser_page.evaluate("getComputedStyle(document.documentElement).fontSize") == "22px"
    assert browser_page.locator('[data-testid="stSidebar"]').get_attribute("data-collapsed") == "true"
    wait_for_main_figure(browser_page)
    screenshot(browser_page, "matrix-presenter")
    browser_page.get_by_test_id("stExpandSidebarButton").click()  # the collapsed sidebar still opens
    assert browser_page.get_by_role("switch", name="Presenter mode").is_checked()
    with settles(browser_page):
        browser_page.locator('[data-testid="stSidebarNav"] a').nth(1).click()
    assert browser_page.url.count("present=true") == 1, browser_page.url
    assert browser_page.evaluate("getComputedStyle(document.documentElement).fontSize") == "22px"


def test_matrix_page_digit_from_url(streamlit_server, browser_page):
    open_app(browser_page, f"{streamlit_server}/?digit=7")
    texts = browser_page.locator('[data-testid="stMarkdown"]').all_inner_texts()
    assert any("Training image #7, labelled 3" in text for text in texts), texts
