"""Lesson links: on every step, the link in the students' popover (and its QR code) opens the teacher's
view in a fresh browser; bad link values fall back with a notice; the guided lesson walks the seeds'
order in presenter mode.

Browser tests drive Debian's Chromium (see browser_support); the pure helpers are tested directly.
"""

from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
from browser_support import VIEWPORT, open_app, run_state, served_app, settles
from qr_support import qr_modules, qr_modules_of

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


def _view(page) -> dict:
    """Every widget value the page shows, once its run has finished (see browser_support.wait_for_run)."""
    return page.evaluate(VIEW_STATE_JS)


def _choose(page, label: str, option: str) -> None:
    """Pick ``option`` in the select box labelled ``label``, as a student would."""
    box = page.locator('[data-testid="stSelectbox"]').filter(has_text=label).first
    # Centred first: a list opened at the screen's edge closes again when the page scrolls to show it.
    box.evaluate("node => node.scrollIntoView({block: 'center'})")
    box.get_by_role("button", name="Open").click()
    with settles(page):
        page.get_by_role("option", name=option, exact=True).first.click()


def _type_number(page, label: str, value: int) -> None:
    field = page.locator('[data-testid="stNumberInput"]').filter(has_text=label).first.locator("input")
    field.fill(str(value))
    with settles(page):
        field.press("Enter")


def _open_tab(page, name: str) -> None:
    tab = page.get_by_role("tab", name=name)
    if tab.get_attribute("aria-selected") != "true":  # a click on the open tab starts no run
        with settles(page):
            tab.click()


def _click(page, locator) -> None:
    with settles(page):
        locator.click()


def _matrix(page):
    _choose(page, "Show digits of class", "3")
    _type_number(page, "Example number", 12)


def _convolution(page):
    _open_tab(page, "On a real digit")
    _type_number(page, "Digit", 5)
    _choose(page, "Kernel", "blur")
    _choose(page, "Stride", "2")
    _choose(page, "Padding", "same")


def _pooling(page):
    _click(page, page.get_by_role("radio", name="average"))
    _choose(page, "Size", "3")
    _choose(page, "Padding", "same")


def _inside(page):
    _choose(page, "Class", "7")
    _type_number(page, "Which one", 4)


def _mlp_vs_cnn(page):
    _choose(page, "Compare the MLP with", "Our best CNN")
    _open_tab(page, "Training curves")  # a tab drawn only when opened; the link keeps which
    _click(page, page.locator('[data-testid="stRadio"]').filter(has_text="Show").get_by_text("loss"))


def _your_digit(page):
    _click(page, page.get_by_text("Upload a picture", exact=True))


def _playground(page):
    # The playground keeps its own validated link (cnnviz.playground.config).
    _click(page, page.get_by_role("radio", name="5 x 5"))
    _click(page, page.get_by_text("Max pooling (2x2)"))


def _xception(page):
    _click(page, page.locator('[data-testid="stRadio"]').filter(has_text="Make it 299").get_by_text("squash"))


VIEWS = {"matrix": _matrix, "convolution": _convolution, "pooling": _pooling, "inside-the-cnn": _inside,
         "mlp-vs-cnn": _mlp_vs_cnn, "your-digit": _your_digit, "train-your-own": _playground,
         "xception": _xception}


def _students_link(page) -> str:
    """The link the students' popover shows, after checking that its QR code holds exactly that link."""
    page.get_by_role("button", name="Students' link").click()
    body = page.locator('[data-testid="stPopoverBody"]')
    link = body.locator('[data-testid="stCode"] code').first
    link.wait_for(timeout=30_000)
    shown = link.inner_text().strip()
    image = body.locator('[data-testid="stImage"] img').first
    image.wait_for(timeout=30_000)
    png = page.request.get(urljoin(page.url, image.get_attribute("src"))).body()
    assert qr_modules(png) == qr_modules_of(shown), f"the QR code does not encode the shown link {shown}"
    page.keyboard.press("Escape")
    return shown


@pytest.mark.browser
@pytest.mark.parametrize("number", range(len(lesson.STEPS)), ids=[step.title for step in lesson.STEPS])
def test_each_steps_student_link_opens_the_same_view(streamlit_server, browser, number):
    """As a class meets it: the teacher opens the step's page by its own path on the projector and
    changes the view; a student opens the popover's link (or its QR code) in a fresh browser."""
    step = lesson.STEPS[number]
    teacher = browser.new_context(viewport=VIEWPORT).new_page()
    open_app(teacher, lesson.share_url(streamlit_server, step.url_path, {**step.query, "present": "true"}))
    default_view = _view(teacher)
    VIEWS[step.url_path](teacher)
    teacher_view = _view(teacher)
    assert teacher_view != default_view, "the interactions changed nothing: the test would prove nothing"
    link = _students_link(teacher)
    teacher.context.close()
    assert link.startswith(streamlit_server + "/") and "present" not in link, link
    path = urlsplit(link).path.strip("/")
    assert path == ("" if step.url_path == lesson.DEFAULT_PAGE else step.url_path), link

    student = browser.new_context(viewport=VIEWPORT).new_page()  # a fresh session, as a student's laptop
    open_app(student, link)
    assert _view(student) == teacher_view, link
    assert run_state(student)["exception"] == 0
    student.context.close()


@pytest.mark.browser
def test_a_custom_kernel_travels_in_the_link(streamlit_server, browser_page):
    link = f"{streamlit_server}/convolution?conv_tab=On+a+real+digit&conv_cells=1,2,1;0,0,0;-1,-2,-1"
    open_app(browser_page, link)
    # The grid is drawn on a canvas; the page rewrites conv_cells from the grid it parsed, and drops
    # it when the grid equals the preset, so the link surviving the run means the grid holds it.
    assert parse_qs(urlsplit(browser_page.url).query)["conv_cells"] == ["1,2,1;0,0,0;-1,-2,-1"]
    assert "could not be used" not in browser_page.locator('[data-testid="stMain"]').inner_text()


@pytest.mark.browser
def test_garbage_link_values_fall_back_with_a_notice(streamlit_server, browser_page):
    open_app(browser_page, f"{streamlit_server}/pooling?pool_size=99&pool_mode=average")
    text = browser_page.locator('[data-testid="stMain"]').inner_text()
    assert "pool_size='99'" in text and "default is shown instead" in text
    assert run_state(browser_page)["exception"] == 0
    assert "pool_mode=average" in browser_page.url  # the good value is kept


@pytest.mark.browser
def test_guided_lesson_walks_the_seeds_order_in_presenter_mode(streamlit_server, browser_page):
    open_app(browser_page, f"{streamlit_server}/?present=true")
    main = browser_page.locator('[data-testid="stMain"]')
    seen = []
    for number in range(len(lesson.STEPS)):
        seen.append(main.get_by_text("Step ").first.inner_text())
        assert run_state(browser_page)["exception"] == 0
        assert parse_qs(urlsplit(browser_page.url).query).get("present") == ["true"], browser_page.url
        next_links = main.locator('[data-testid="stPageLink-NavLink"]').filter(has_text="Next:")
        if number + 1 == len(lesson.STEPS):
            assert not next_links.count()
            break
        _click(browser_page, next_links.first)
    assert seen == [f"Step {number} of {len(lesson.STEPS)}: {step.title}"
                    for number, step in enumerate(lesson.STEPS, start=1)]


@pytest.mark.browser
def test_the_first_page_also_answers_at_its_name(streamlit_server, browser_page):
    """/matrix (typed, or an older link) opens the first page with the link's settings, no dialog."""
    open_app(browser_page, f"{streamlit_server}/matrix?matrix_tab=Zoom+in")
    assert urlsplit(browser_page.url).path == "/"
    assert browser_page.get_by_role("tab", name="Zoom in").get_attribute("aria-selected") == "true"
    assert browser_page.get_by_text("Page not found").count() == 0


@pytest.mark.browser
def test_behind_a_path_prefix_the_students_link_keeps_it(browser):
    """Served under server.baseUrlPath (as behind a school's proxy at /cnnviz/), a step's students'
    link keeps the prefix and opens the same view in a fresh browser."""
    with served_app("--server.baseUrlPath", "cnnviz", log_name="streamlit-prefixed") as prefixed:
        assert prefixed.endswith("/cnnviz")
        teacher = browser.new_context(viewport=VIEWPORT).new_page()
        open_app(teacher, f"{prefixed}/pooling?present=true&pool_mode=average")
        link = _students_link(teacher)
        teacher.context.close()
        assert link == f"{prefixed}/pooling?pool_mode=average", link
        student = browser.new_context(viewport=VIEWPORT).new_page()
        open_app(student, link)
        assert student.get_by_role("radio", name="average").is_checked()
        assert run_state(student)["exception"] == 0
        student.context.close()


def test_a_class_page_is_not_a_lesson_step():
    from pages_list import open_app as open_router

    app = open_router().switch_page("app_pages/class_board.py").run()
    assert not app.exception
    assert not any("of 9" in block.value for block in app.markdown)
    assert lesson.current_step("class-board", None) is None


def test_app_root_cuts_the_page_path_and_keeps_a_prefix():
    assert lesson.app_root("http://h:8501/convolution", "convolution") == "http://h:8501"
    assert lesson.app_root("http://h:8501/", "matrix") == "http://h:8501"
    assert lesson.app_root("https://school.example/cnn/pooling/?x=1#top", "pooling") == "https://school.example/cnn"
    assert lesson.app_root("https://school.example/cnn", "") == "https://school.example/cnn"
    assert lesson.share_url(lesson.app_root("http://h/cnn/xception", "xception"), "xception", {}) == "http://h/cnn/xception"


def test_public_url_overrides_the_address(monkeypatch):
    monkeypatch.setenv(lesson.PUBLIC_URL_VARIABLE, "https://cnn.school.example")
    assert lesson.base_url("pooling") == "https://cnn.school.example"


@pytest.mark.parametrize("shown_width", [None, 280, 301])
def test_qr_modules_read_back_what_segno_wrote(shown_width):
    """Also from a picture resized as the popover shows it (not a whole number of pixels per module)."""
    import io

    from PIL import Image

    url = ("http://school.example:8501/train-your-own?playground_tab=Measured+accuracy&blocks=2&filters=32"
           "&kernel=5&pool=0&dropout=0.25&dense=64&optimizer=rmsprop&epochs=3&batch=64&samples=10000")
    png = lesson.qr_png(url)
    if shown_width:
        image = Image.open(io.BytesIO(png))
        buffer = io.BytesIO()
        image.resize((shown_width, shown_width), Image.Resampling.BILINEAR).save(buffer, format="PNG")
        png = buffer.getvalue()
    assert qr_modules(png) == qr_modules_of(url)
    assert qr_modules(png) != qr_modules_of(url.replace("kernel=5", "kernel=3"))


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
