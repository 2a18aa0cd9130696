"""The browser-drawn explorer (cnnviz.ui.explorer) in Chromium, against the numpy engine: every output
number of 50 seeded configurations (refusals included, whose sentence must be the engine's own),
playing, pausing, keys, hovering and tapping, and screenshots at 1280x720 for a human to look at.

The explorer runs in tests/apps/explorer_app.py on a server of its own; one browser page reads
all 50 configurations at once from the elements' attributes (data-printed on every output cell)."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from browser_support import (REPO_ROOT, SCREENSHOT_DIR, VIEWPORT, free_port, open_app, run_state, screenshot, settles,
                             wait_until_healthy)
from cnnviz import data
from cnnviz.lesson import kernels, ops
from cnnviz.ui import explorer
from explorer_cases import expected, oracle_cases

pytestmark = pytest.mark.browser

CASES = oracle_cases()
SEED_IMAGE = [[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0], [0, 1, 1, 0, 0]]
SEED_KERNEL = [[1, 0, 1], [0, 1, 0], [1, 0, 1]]
ROOT = ".cx-root"  # Playwright's CSS selectors reach into the element's (open) shadow root

# Every explorer on the page: {case number: {ready, error, cells: [[row, col, data-printed, text]]}}.
READ_ALL_JS = """() => {
  const found = {};
  for (const box of document.querySelectorAll('[class*="st-key-case-"]')) {
    const number = [...box.classList].find((name) => name.startsWith('st-key-case-')).slice(12);
    const host = box.querySelector('[data-testid="stBidiComponentIsolated"]');
    const root = host && host.shadowRoot && host.shadowRoot.querySelector('.cx-root');
    if (!root) continue;
    const error = root.querySelector('.cx-error');
    const grid = root.querySelector('.cx-grid[data-grid="output"], .cx-grid[data-grid="matrix"]');
    found[number] = {
      ready: root.dataset.ready, error: error ? error.textContent : null,
      cells: grid ? [...grid.children].map((c) => [Number(c.dataset.row), Number(c.dataset.col), c.dataset.printed,
                                                    c.textContent]) : null,
    };
  }
  return found;
}"""
ALL_READY_JS = """(count) => {
  const hosts = [...document.querySelectorAll('[data-testid="stBidiComponentIsolated"]')];
  return hosts.length === count && hosts.every((host) => host.shadowRoot
    && host.shadowRoot.querySelector('.cx-root[data-ready="true"]'));
}"""
# The smallest font size (px) of any text a student can see in the element.
SMALLEST_TEXT_JS = """(root) => {
  let smallest = Infinity;
  for (const element of root.querySelectorAll('*')) {
    const text = [...element.childNodes].some((node) => node.nodeType === 3 && node.textContent.trim());
    if (!text || !element.getClientRects().length || element.closest('.cx-live, .cx-sizer')) continue;
    const size = parseFloat(getComputedStyle(element).fontSize);
    if (size > 0) smallest = Math.min(smallest, size);  // 0: numbers that do not fit (read on hover)
  }
  return smallest;
}"""
# Resolves after n animation frames: a paused explorer must not move in between.
FRAMES_JS = "(n) => new Promise((done) => { let left = n; const f = () => (--left ? requestAnimationFrame(f) : done()); requestAnimationFrame(f); })"


@pytest.fixture(scope="module")
def explorer_server(tmp_path_factory):
    """Base URL of tests/apps/explorer_app.py on a free port, with CASES in its cases file."""
    cases_file = tmp_path_factory.mktemp("explorer") / "cases.json"
    cases_file.write_text(json.dumps(CASES))
    port = free_port()
    SCREENSHOT_DIR.mkdir(exist_ok=True)
    with open(SCREENSHOT_DIR / "explorer-server.log", "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "tests/apps/explorer_app.py", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none"],
            cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT,
            env={**os.environ, "CNNVIZ_EXPLORER_CASES": str(cases_file)},
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url, process)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def open_view(page, server: str, query: str):
    """Open one view of the test app and wait for its explorer to have drawn; returns its root."""
    open_app(page, f"{server}/?{query}")
    root = page.locator(f'{ROOT}[data-ready="true"]')
    root.wait_for()
    return root


def digit_zero() -> np.ndarray:
    (x_train, _), _ = data.load_mnist()
    return explorer.as_sent(data.scale(x_train[0]))


def test_every_output_number_matches_the_numpy_engine(explorer_server, browser_page):
    open_app(browser_page, f"{explorer_server}/?cases=0:{len(CASES)}")
    browser_page.wait_for_function(ALL_READY_JS, arg=len(CASES), timeout=60_000)
    shown = browser_page.evaluate(READ_ALL_JS)
    assert len(shown) == len(CASES)
    for number, case in enumerate(CASES):
        want, got = expected(case), shown[str(number)]
        if "error" in want:
            assert got["error"] == want["error"] and got["cells"] is None, (number, case)
            continue
        assert got["error"] is None, (number, got["error"])
        rows, cols = want["shape"]
        assert [(r, c) for r, c, _, _ in got["cells"]] == [(r, c) for r in range(rows) for c in range(cols)], number
        assert [text for _, _, text, _ in got["cells"]] == want["printed"], (number, case)
        assert [text for _, _, _, text in got["cells"]] == want["printed"], (number, case)


def step_of(root) -> int:
    return int(root.get_attribute("data-step"))


def test_play_pause_and_keys(explorer_server, browser_page):
    root = open_view(browser_page, explorer_server, "show=digit")
    run_before = run_state(browser_page)["run"]
    assert root.get_attribute("data-steps") == str(26 * 26) and step_of(root) == 0
    root.get_by_role("button", name="Play").click()
    browser_page.wait_for_function(
        "() => Number(document.querySelector('[data-testid=stBidiComponentIsolated]').shadowRoot"
        ".querySelector('.cx-root').dataset.step) >= 5")
    root.get_by_role("button", name="Pause").click()
    paused = step_of(root)
    browser_page.evaluate(FRAMES_JS, 30)
    assert step_of(root) == paused and root.get_attribute("data-playing") == "false"

    root.focus()
    for key, change in (("ArrowRight", 1), ("ArrowRight", 1), ("ArrowLeft", -1), ("ArrowDown", 26), ("ArrowUp", -26)):
        before = step_of(root)
        browser_page.keyboard.press(key)
        assert step_of(root) == before + change, key
    browser_page.keyboard.press("Space")
    assert root.get_attribute("data-playing") == "true"
    browser_page.keyboard.press("Space")
    assert root.get_attribute("data-playing") == "false"
    root.get_by_role("button", name="Step back").click()
    assert root.locator(".cx-scrub").input_value() == str(step_of(root))
    assert "output row" in root.locator(".cx-live").text_content()  # read out when paused
    root.locator('.cx-grid[data-grid="output"] .cx-c[data-row="3"][data-col="4"]').hover()
    assert run_state(browser_page)["run"] == run_before  # playing, stepping, hovering: no script run
    assert "?show=digit" == browser_page.url[-len("?show=digit"):]  # nor anything in the URL


def test_new_settings_update_the_same_element(explorer_server, browser_page):
    """Components v2 hands new data to the mounted element: it redraws, keeping the chosen speed."""
    root = open_view(browser_page, explorer_server, "show=digit&controls=true")
    root.get_by_role("button", name="Fast").click()
    with settles(browser_page):
        browser_page.get_by_role("radiogroup").get_by_text("2", exact=True).click()
    browser_page.locator(f'{ROOT}[data-steps="{13 * 13}"][data-ready="true"]').wait_for()
    assert browser_page.locator(ROOT).count() == 1 and root.locator(".cx-grid").count() == 3
    assert root.get_by_role("button", name="Fast").get_attribute("aria-pressed") == "true"
    output = ops.conv2d(digit_zero(), kernels.preset_weights("vertical edges"), 2)
    assert sum_after_hover(root, 12, 5) == explorer.printed(output[12, 5], 2)


def sum_after_hover(root, row: int, col: int) -> str:
    root.locator(f'.cx-grid[data-grid="output"] .cx-c[data-row="{row}"][data-col="{col}"]').hover()
    return root.locator(".cx-sum").text_content()


def test_hovering_an_output_cell_writes_its_products_and_sum(explorer_server, browser_page):
    root = open_view(browser_page, explorer_server, "show=example")
    output = ops.conv2d(SEED_IMAGE, SEED_KERNEL)
    for row, col in ((1, 2), (2, 0), (0, 0)):
        assert sum_after_hover(root, row, col) == explorer.printed(output[row, col], 0)
        assert step_of(root) == row * 3 + col
        step = list(ops.conv_steps(SEED_IMAGE, SEED_KERNEL))[row * 3 + col]
        terms = [f"{explorer.printed(x, 0)}\u00d7{explorer.printed(w, 3)}"
                 for x, w in zip(step.window.ravel(), np.array(SEED_KERNEL).ravel())]
        assert root.locator(".cx-term").all_text_contents() == terms

    root = open_view(browser_page, explorer_server, "show=digit&stride=2&padding=1")
    output = ops.conv2d(digit_zero(), kernels.preset_weights("vertical edges"), 2, 1)
    for row, col in ((6, 7), (13, 0), (3, 11)):
        assert sum_after_hover(root, row, col) == explorer.printed(output[row, col], 2)


def test_hovering_an_input_cell_marks_the_output_cells_it_feeds(explorer_server, browser_page):
    for stride, padding, dilation in ((2, 1, 1), (1, "same", 2)):
        query = f"show=digit&stride={stride}&padding={padding}&dilation={dilation}"
        root = open_view(browser_page, explorer_server, query)
        rows = ops.geometry(28, 3, stride, padding, dilation)
        for r, c in ((5, 7), (0, 0), (27, 13), (-1, 4)):
            if not -rows.before <= r < 28 + rows.after:
                continue
            root.locator(f'.cx-grid[data-grid="input"] .cx-c[data-row="{r}"][data-col="{c}"]').hover()
            fed = {(int(cell.get_attribute("data-row")), int(cell.get_attribute("data-col")))
                   for cell in root.locator('.cx-grid[data-grid="output"] .cx-fed').all()}

            def outputs(at):
                return [i for i in range(rows.output)
                        if any(i * stride + a * dilation == at + rows.before for a in range(3))]

            assert fed == {(i, j) for i in outputs(r) for j in outputs(c)}, (query, r, c)
            assert f"used by {len(fed)} output cell" in root.locator(".cx-readout").text_content()


@pytest.mark.parametrize("mode", ["max", "average"])
def test_pooling_hover_shows_the_winner_or_the_average(explorer_server, browser_page, mode):
    root = open_view(browser_page, explorer_server, f"show=pooling&mode={mode}")
    feature_map = ops.relu(ops.conv2d(digit_zero(), kernels.preset_weights("vertical edges")))[7:19, 7:19]
    feature_map = explorer.as_sent(feature_map)
    steps = list(ops.pool_steps(feature_map, 2, None, mode))
    for row, col in ((0, 0), (3, 2), (5, 5)):
        step = steps[row * 6 + col]
        assert sum_after_hover(root, row, col) == explorer.printed(step.value, 1)
        winners = root.locator('.cx-grid[data-grid="input"] .cx-win')
        if mode == "max":
            r, c = int(step.rows[step.winner[0]]) + 7, int(step.cols[step.winner[1]]) + 7  # the crop starts at 7
            assert [(winners.get_attribute("data-row"), winners.get_attribute("data-col"))] == [(str(r), str(c))]
        else:
            assert winners.count() == 0 and root.locator(".cx-terms").text_content().endswith(") / 4")


def test_tapping_on_a_touch_screen(explorer_server, browser):
    context = browser.new_context(viewport=VIEWPORT, has_touch=True)
    page = context.new_page()
    try:
        root = open_view(page, explorer_server, "show=example")
        root.locator('.cx-grid[data-grid="output"] .cx-c[data-row="2"][data-col="1"]').tap()
        assert step_of(root) == 7 and root.locator(".cx-sum").text_content() == "3"
        root.locator('.cx-grid[data-grid="input"] .cx-c[data-row="2"][data-col="2"]').tap()
        assert root.locator('.cx-grid[data-grid="output"] .cx-fed').count() == 9
    finally:
        context.close()


@pytest.mark.parametrize("present", [False, True], ids=["normal", "presenter"])
def test_screenshots_for_a_person_to_look_at(explorer_server, browser_page, present):
    """screenshots/explorer-<view>-<mode>-<moment>.png: mid-animation and while hovering."""
    mode = "presenter" if present else "normal"
    for view, middle_step, hover in (("digit", 300, (11, 12)), ("example", 4, (1, 2)), ("pooling", 14, (1, 1))):
        root = open_view(browser_page, explorer_server, f"show={view}" + ("&present=true" if present else ""))
        root.scroll_into_view_if_needed()
        box = root.bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= VIEWPORT["height"], (view, mode, box)  # no scrolling
        assert root.evaluate("r => r.scrollWidth <= r.clientWidth"), (view, mode)
        assert root.evaluate(SMALLEST_TEXT_JS) >= (18 if present else 13), (view, mode)
        root.locator(".cx-scrub").fill(str(middle_step))
        assert step_of(root) == middle_step
        root.get_by_role("button", name="Play").click()
        screenshot(browser_page, f"explorer-{view}-{mode}-playing")
        root.get_by_role("button", name="Pause").click()
        root.locator(f'.cx-grid[data-grid="output"] .cx-c[data-row="{hover[0]}"][data-col="{hover[1]}"]').hover()
        screenshot(browser_page, f"explorer-{view}-{mode}-hover-output")
        if view != "example":
            root.locator('.cx-grid[data-grid="input"] .cx-c[data-row="8"][data-col="10"]').hover()
            screenshot(browser_page, f"explorer-{view}-{mode}-hover-input")


def test_the_app_serves_the_code_once_and_says_so_when_it_cannot(streamlit_server, browser):
    """In the app, the element's code comes from static/explorer/ over HTTP (not with every element);
    if the server cannot hand it out, the element says so in a sentence instead of staying blank."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    fetched = []
    page.on("requestfinished", lambda request: fetched.append(request.url))
    open_app(page, f"{streamlit_server}/convolution")
    page.locator('.st-key-conv_digit_explorer .cx-root[data-ready="true"]').wait_for(state="attached")  # 2nd tab
    files = [url.split("?")[0].rsplit("/", 1)[-1] for url in fetched if "/app/static/explorer/" in url]
    assert sorted(files) == sorted(explorer.SCRIPTS)  # once for the page's two explorers
    context.close()

    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.route("**/app/static/explorer/**", lambda route: route.fulfill(status=404, body="gone"))
    open_app(page, f"{streamlit_server}/convolution")
    message = page.locator('.st-key-conv_digit_explorer .cx-root[data-ready="true"] .cx-error')
    message.wait_for(state="attached")
    assert "could not be loaded from this server (404" in message.text_content()
    assert "Reload the page" in message.text_content()
    context.close()
