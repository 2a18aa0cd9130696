"""Lesson links: a view set by hand, copied from the address bar and opened fresh, comes back exactly;
bad link values fall back with a notice; the guided lesson walks the seeds' order; the QR code opens.

Browser tests drive Debian's Chromium (see browser_support); the pure helpers are tested directly.
"""

import pytest
from browser_support import wait_for_app

from cnnviz.lesson import kernels
from cnnviz.ui import lesson

# Every widget value a student can see, read from the page itself (not from the URL).
VIEW_STATE_JS = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  const texts = (selector) => [...main.querySelectorAll(selector)].map((node) => node.innerText.trim());
  return {
    numbers: [...main.querySelectorAll('[data-testid="stNumberInput"] input')].map((node) => node.value),
    selects: [...main.querySelectorAll('[data-testid="stSelectbox"] input')].map((node) => node.value),
    multiselects: texts('[data-testid="stMultiSelect"] [data-tag]'),
    tabs: texts('[role="tab"][aria-selected="true"]'),
    radios: [...main.querySelectorAll('[data-testid="stRadio"] input:checked')].map((node) => node.value),
    sliders: [...main.querySelectorAll('[role="slider"]')].map((node) => node.getAttribute('aria-valuenow')),
    segmented: texts('[data-testid="stButtonGroup"] [aria-checked="true"]'),
    switches: [...main.querySelectorAll('[data-testid="stCheckbox"] input')].map((node) => node.checked),
  };
}"""


def _settled_view(page, timeout_s: float = 60) -> dict:
    """The page's widget values once two readings a second apart agree (the run has finished drawing)."""
    import time

    deadline = time.monotonic() + timeout_s
    wait_for_app(page)
    view = page.evaluate(VIEW_STATE_JS)
    while time.monotonic() < deadline:
        page.wait_for_timeout(1000)
        again = page.evaluate(VIEW_STATE_JS)
        if again == view and any(again.values()):
            return view
        view = again
    return view


def _choose(page, label: str, option: str) -> None:
    """Pick ``option`` in the select box labelled ``label``, as a student would."""
    box = page.locator('[data-testid="stSelectbox"]').filter(has_text=label).first
    box.get_by_role("button", name="Open").click()
    page.get_by_role("option", name=option, exact=True).first.click()
    wait_for_app(page)


def _type_number(page, label: str, value: int) -> None:
    field = page.locator('[data-testid="stNumberInput"]').filter(has_text=label).first.locator("input")
    field.fill(str(value))
    field.press("Enter")
    wait_for_app(page)


def _open_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()
    wait_for_app(page)


def _matrix(page):
    _choose(page, "Show digits of class", "3")
    _type_number(page, "Example number", 12)
    _open_tab(page, "Zoom in")


def _convolution(page):
    _open_tab(page, "On a real digit")
    _type_number(page, "Training digit", 5)
    _choose(page, "Start from the kernel", "blur")
    _choose(page, "Stride", "2")
    _choose(page, "Padding", "same")


def _pooling(page):
    page.get_by_role("radio", name="average").click()
    wait_for_app(page)
    _choose(page, "Pool size", "3")
    _choose(page, "Padding", "same")


def _inside(page):
    _choose(page, "Class", "7")
    _type_number(page, "Which one", 4)


def _mlp_vs_cnn(page):
    _choose(page, "Compare the MLP with", "Our best CNN")
    page.locator('[data-testid="stRadio"]').filter(has_text="Show").get_by_text("loss").click()
    wait_for_app(page)


def _playground(page):
    # The playground keeps its own validated link (cnnviz.playground.config).
    page.get_by_role("radio", name="5 x 5").click()
    wait_for_app(page)
    page.get_by_text("Max pooling (2x2)").click()
    wait_for_app(page)


def _xception(page):
    page.locator('[data-testid="stRadio"]').filter(has_text="Make it 299").get_by_text("squash").click()
    wait_for_app(page)


VIEWS = {"": _matrix, "convolution": _convolution, "pooling": _pooling, "inside-the-cnn": _inside,
         "mlp-vs-cnn": _mlp_vs_cnn, "train-your-own": _playground, "xception": _xception}


@pytest.mark.browser
@pytest.mark.parametrize("url_path", list(VIEWS), ids=[name or "matrix" for name in VIEWS])
def test_a_shared_link_reopens_the_same_view(streamlit_server, browser, url_path):
    teacher = browser.new_page(viewport={"width": 1280, "height": 720})
    teacher.goto(f"{streamlit_server}/{url_path}")
    wait_for_app(teacher)
    default_view = _settled_view(teacher)
    VIEWS[url_path](teacher)
    teacher_view, link = _settled_view(teacher), teacher.url
    teacher.close()
    assert teacher_view != default_view, "the interactions changed nothing: the test would prove nothing"

    student = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()  # a fresh session
    student.goto(link)
    assert _settled_view(student) == teacher_view, link
    assert student.locator('[data-testid="stException"]').count() == 0
    student.context.close()


@pytest.mark.browser
def test_a_custom_kernel_travels_in_the_link(streamlit_server, browser_page):
    link = f"{streamlit_server}/convolution?conv_tab=On+a+real+digit&conv_cells=1,2,1;0,0,0;-1,-2,-1"
    browser_page.goto(link)
    wait_for_app(browser_page)
    # The grid is drawn on a canvas; the page rewrites conv_cells from the grid it parsed, and drops
    # it when the grid equals the preset, so the link surviving the run means the grid holds it.
    from urllib.parse import parse_qs, urlsplit

    assert parse_qs(urlsplit(browser_page.url).query)["conv_cells"] == ["1,2,1;0,0,0;-1,-2,-1"]
    assert "could not be used" not in browser_page.locator('[data-testid="stMain"]').inner_text()


@pytest.mark.browser
def test_garbage_link_values_fall_back_with_a_notice(streamlit_server, browser_page):
    browser_page.goto(f"{streamlit_server}/pooling?pool_size=99&pool_mode=average")
    wait_for_app(browser_page)
    # The notice is written once the page has run (it compares the link with what the page used).
    browser_page.get_by_text("the default is shown instead").wait_for(timeout=60_000)
    text = browser_page.locator('[data-testid="stMain"]').inner_text()
    assert "pool_size='99'" in text and "default is shown instead" in text
    assert browser_page.locator('[data-testid="stException"]').count() == 0
    assert "pool_mode=average" in browser_page.url  # the good value is kept


@pytest.mark.browser
def test_guided_lesson_walks_the_seeds_order_with_a_qr_code(streamlit_server, browser_page):
    browser_page.goto(f"{streamlit_server}/?present=true")
    wait_for_app(browser_page)
    main = browser_page.locator('[data-testid="stMain"]')
    seen = []
    for number in range(len(lesson.STEPS)):
        step_text = main.get_by_text("Lesson step").first
        for _ in range(120):  # the bar is drawn after the page: wait until it names a new step
            if step_text.count() and step_text.inner_text() not in seen:
                break
            browser_page.wait_for_timeout(500)
        seen.append(step_text.inner_text())
        assert browser_page.locator('[data-testid="stException"]').count() == 0
        if number + 1 == len(lesson.STEPS):
            assert not main.locator('[data-testid="stPageLink-NavLink"]').filter(has_text="Next:").count()
            break
        next_link = main.locator('[data-testid="stPageLink-NavLink"]').filter(has_text="Next:").first
        next_link.wait_for(timeout=60_000)
        next_link.click()
        wait_for_app(browser_page)
    assert seen == [f"Lesson step {number} of {len(lesson.STEPS)}: {step.title}"
                    for number, step in enumerate(lesson.STEPS, start=1)]
    assert "present=true" in browser_page.url
    browser_page.get_by_text("Students: open this view").click()
    qr_code = browser_page.locator('[data-testid="stPopoverBody"] img').first
    qr_code.wait_for(timeout=15_000)
    assert qr_code.bounding_box()["width"] >= 300


def test_steps_follow_the_seeds_order():
    assert [step.url_path for step in lesson.STEPS] == [
        "matrix", "matrix", "convolution", "pooling", "mlp-vs-cnn", "inside-the-cnn", "your-digit",
        "train-your-own", "xception"]
    assert lesson.current_step("matrix", None) == 0
    assert lesson.current_step("matrix", lesson.MATRIX_TABS[3]) == 1
    assert lesson.current_step("xception", None) == len(lesson.STEPS) - 1


def test_share_url_keeps_every_value_and_leaves_out_nothing():
    url = lesson.share_url("http://school.example:8501/", "matrix", {"matrix_zoom_rows": ["3", "9"], "digit": "7"})
    assert url == "http://school.example:8501/?matrix_zoom_rows=3&matrix_zoom_rows=9&digit=7"
    assert lesson.share_url("http://h/", "pooling", {"pool_mode": "average"}) == "http://h/pooling?pool_mode=average"
    assert lesson.share_url("http://h", "matrix", {}) == "http://h/"
    assert lesson.is_local_address("http://127.0.0.1:8501/x") and not lesson.is_local_address(url)


def test_rejected_values_ignore_defaults_and_name_garbage():
    before = {"pool_size": ["99"], "pool_padding": ["valid"], "inside_model": ["Our best CNN"], "digit": ["5"]}
    after = {}
    values = {"pool_size": 2, "pool_padding": "valid", "inside_model": "cnn_best",
              lesson.LABEL_PREFIX + "inside_model": "Our best CNN"}
    assert lesson.rejected_values(before, after, values) == {"pool_size": "99"}


def test_qr_code_is_a_png():
    assert lesson.qr_png("http://school.example:8501/pooling?pool_mode=average").startswith(b"\x89PNG")


@pytest.mark.parametrize("text", ["1,0,-1;1,0,-1;1,0,-1", "0,0,0,0,0;0,1,2,1,0;0,0,0,0,0;0,-1,-2,-1,0;0,0,0,0,0"])
def test_kernel_cells_round_trip_through_a_link(text):
    cells = kernels.grid_from_link(text)
    assert kernels.grid_to_link(kernels.parse_grid(cells)) == text


@pytest.mark.parametrize("text", ["1,0;1,0", "1,x,1;0,0,0;1,1,1", ""])
def test_bad_kernel_cells_in_a_link_say_what_is_wrong(text):
    with pytest.raises(kernels.KernelError):
        kernels.grid_from_link(text)


def _page_with_link(page: str, query: dict):
    """An AppTest that opens ``page`` with the URL parameters ``query`` from the first run."""
    from pages_list import open_app

    app = open_app(query)
    app.switch_page(page)
    for name, value in query.items():
        app.query_params[name] = value
    return app.run()


def test_a_link_with_broken_kernel_cells_says_so_and_shows_the_preset():
    app = _page_with_link("app_pages/convolution.py",
                          {"conv_tab": "On a real digit", "conv_cells": "1,x,1;0,0,0;1,1,1"})
    assert not app.exception
    notes = [caption.value for caption in app.caption]
    assert any("kernel cells could not be used" in note and "preset is shown instead" in note for note in notes), notes


def test_a_link_to_a_network_this_server_lacks_says_so_and_shows_the_lesson_cnn():
    app = _page_with_link("app_pages/inside_cnn.py", {"inside_model": "No such network"})
    assert not app.exception
    notes = [caption.value for caption in app.caption]
    assert any("'No such network'" in note and "is shown instead" in note for note in notes), notes
    assert app.session_state["inside_model"] == "cnn_lesson"


def test_the_mlp_vs_cnn_notice_is_what_the_model_cards_say():
    """Step 5 says a CNN with about as many weights as the MLP makes fewer than half of its mistakes."""
    from cnnviz import zoo

    mlp, cnn = zoo.card("mlp"), zoo.card("cnn_chollet")
    assert "fewer than half of its mistakes" in lesson.STEPS[4].notice
    assert abs(cnn["params"] / mlp["params"] - 1) < 0.1  # "about as many weights"
    assert (1 - cnn["test_accuracy"]) < (1 - mlp["test_accuracy"]) / 2
