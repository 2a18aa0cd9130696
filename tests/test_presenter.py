"""Presenter mode as a slide, in Chromium at 1280x720: on every one of the lesson's 9 steps the main
picture (the one the step's notice talks about) lies inside the screen without scrolling, the title
is one line, the sidebar is collapsed, and no visible text on the first screen is under 18 px.

Screenshots of every step are kept in screenshots/presenter-step-N.png (look at them)."""

import pytest
from browser_support import VIEWPORT, open_app, run_state, screenshot

from cnnviz.ui import lesson

pytestmark = pytest.mark.browser

# Every visible text on the first screen, with its computed size: DOM text (Streamlit) and SVG text
# (Plotly). The explorer checks its own text (tests/test_explorer_browser.py), and pictures drawn as
# PNG are checked where they are made (tests/test_pictures.py).
SMALL_TEXT_JS = """(minimum) => {
  const small = [];
  const walker = document.createTreeWalker(document.querySelector('[data-testid="stMain"]'), NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, element = node.parentElement;
    if (!node.textContent.trim() || !element) continue;
    const box = element.getBoundingClientRect(), style = getComputedStyle(element);
    if (box.width === 0 || box.height === 0 || box.bottom <= 0 || box.top >= innerHeight) continue;
    if (style.visibility === 'hidden' || style.display === 'none' || element.closest('[hidden]')) continue;
    if (element.closest('.modebar, .hoverlayer, [data-testid="stTooltipContent"]')) continue;
    const size = parseFloat(style.fontSize);
    if (size < minimum) small.push(`${size}px: ${node.textContent.trim().slice(0, 40)}`);
  }
  return small;
}"""


@pytest.mark.parametrize("number", range(len(lesson.STEPS)), ids=[step.title for step in lesson.STEPS])
def test_each_steps_main_picture_is_on_the_projector_screen(streamlit_server, browser, number):
    step = lesson.STEPS[number]
    page = browser.new_context(viewport=VIEWPORT).new_page()
    open_app(page, lesson.share_url(streamlit_server, step.url_path, {**step.query, "present": "true"}))
    picture = page.locator(".st-key-main_picture")
    picture.wait_for(timeout=60_000)
    # A picture, a chart, or the explorer (in its shadow root, which Playwright's locators enter) drawn.
    picture.locator('img, .main-svg, [data-ready="true"]').first.wait_for(timeout=60_000)
    screenshot(page, f"presenter-step-{number + 1}")
    box = picture.bounding_box()
    assert box["y"] >= 0 and box["x"] >= 0, box
    assert box["y"] + box["height"] <= VIEWPORT["height"] and box["x"] + box["width"] <= VIEWPORT["width"], box
    assert page.evaluate("document.querySelector('[data-testid=\"stMain\"] section, [data-testid=\"stMain\"]')"
                         ".scrollTop") == 0
    title = page.locator('[data-testid="stMainBlockContainer"] h1').first.bounding_box()
    assert title["height"] < 60, f"the title wraps: {title}"
    assert page.locator('[data-testid="stSidebar"]').get_attribute("data-collapsed") == "true"
    assert page.evaluate(SMALL_TEXT_JS, 18) == []
    assert run_state(page)["exception"] == 0
    page.context.close()


def test_the_students_link_popover_fits_the_projector_screen(streamlit_server, browser_page):
    open_app(browser_page, f"{streamlit_server}/pooling?present=true")
    browser_page.get_by_role("button", name="Students' link").click()
    body = browser_page.locator('[data-testid="stPopoverBody"]')
    body.locator("img").first.wait_for(timeout=30_000)
    box = body.bounding_box()
    assert box["y"] + box["height"] <= VIEWPORT["height"], box
    assert body.evaluate("node => node.scrollHeight <= node.clientHeight + 1"), "the popover scrolls"
    assert body.locator('[data-testid="stAlert"]').count() == 1  # the localhost warning, whole


def test_the_main_pictures_fullscreen_button_covers_no_control(streamlit_server, browser_page):
    """Hovering a picture shows Streamlit's fullscreen button; above the picture it covered Inside the
    CNN's "+" on the projector, so a teacher stepping through digits hit fullscreen instead."""
    open_app(browser_page, f"{streamlit_server}/inside-the-cnn?present=true")
    picture = browser_page.locator(".st-key-main_picture img").first
    picture.hover()
    toolbar = browser_page.locator('.st-key-main_picture [data-testid="stElementToolbar"]').first
    toolbar.wait_for(timeout=10_000)
    button, plus = toolbar.bounding_box(), browser_page.locator('[data-testid="stNumberInputStepUp"]').bounding_box()
    image = picture.bounding_box()
    overlap = (min(button["x"] + button["width"], plus["x"] + plus["width"]) - max(button["x"], plus["x"]) > 0
               and min(button["y"] + button["height"], plus["y"] + plus["height"]) - max(button["y"], plus["y"]) > 0)
    assert not overlap, (button, plus)
    assert button["y"] >= image["y"] - 1, "the button sits inside the picture, not above it"
