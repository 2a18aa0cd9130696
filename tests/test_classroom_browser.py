"""A class in real Chromium tabs: a teacher on the projector (presenter mode, 1280 x 720) starts a
class, three students open the students' link, answer the convolution question and draw a digit
each on the canvas; the projector's tally and the class board's gallery show what they sent.
Screenshots of the projector go to screenshots/ (look at them)."""

import pytest
from browser_support import VIEWPORT, open_app, run_state, screenshot, settles
from class_servers import Server, class_environment

from cnnviz.classroom import questions
from deploy.processes import free_port

pytestmark = pytest.mark.browser

SMALLEST_TEXT_JS = """() => {
  let smallest = 1000, where = '';
  for (const node of document.querySelectorAll('[data-testid="stMain"] *')) {
    if (!node.childNodes.length || ![...node.childNodes].some((c) => c.nodeType === 3 && c.textContent.trim())) continue;
    const box = node.getBoundingClientRect();
    if (!box.width || !box.height || box.bottom < 0 || box.top > innerHeight) continue;
    const size = parseFloat(getComputedStyle(node).fontSize);
    if (size < smallest) { smallest = size; where = node.textContent.trim().slice(0, 60); }
  }
  return [smallest, where];
}"""


@pytest.fixture(scope="module")
def class_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("class-browser")
    server = Server(free_port(), class_environment(f"sqlite:///{folder / 'class.sqlite3'}"),
                    folder / "server.log").start()
    yield server.url
    server.stop()


def draw_a_one(page) -> None:
    """A vertical stroke on the canvas, as a student's mouse draws it."""
    canvas = page.locator("canvas").last
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    middle = box["x"] + box["width"] / 2
    with settles(page):
        page.mouse.move(middle, box["y"] + 50)
        page.mouse.down()
        for step in range(1, 19):
            page.mouse.move(middle + step * 0.5, box["y"] + 50 + step * 10)
        page.mouse.up()


def test_a_teacher_and_three_students_through_a_question_and_a_handwriting_round(class_server, browser):
    stride = questions.stride_question()
    teacher = browser.new_context(viewport=VIEWPORT).new_page()
    open_app(teacher, f"{class_server}/convolution?present=true")
    with settles(teacher):
        teacher.get_by_role("button", name="Start a class").click()
    code = teacher.url.split("class=")[1].split("&")[0]
    assert len(code) == 6, teacher.url

    students = []
    for number, choice in enumerate(["13 x 13", "13 x 13", "14 x 14"]):
        student = browser.new_context(viewport={"width": 1100, "height": 800}).new_page()
        open_app(student, f"{class_server}/convolution?class={code}")
        student.locator(".st-key-class_question").scroll_into_view_if_needed()
        with settles(student):
            student.locator(".st-key-class_question").get_by_role("button", name=choice, exact=True).click()
        assert run_state(student)["exception"] == 0
        assert student.get_by_text(f"You answered {choice}").count() == 1
        students.append(student)

    tally = teacher.locator(".cnnviz-tally")
    tally.wait_for()
    teacher.wait_for_function("() => document.body.innerText.includes('3 answers so far')", timeout=30_000)
    rows = teacher.locator(".cnnviz-tally > div").all_inner_texts()
    counts = dict(zip(rows[0::3], (int(count) for count in rows[2::3])))
    assert counts == {"12 x 12": 0, "13 x 13": 2, "14 x 14": 1, "26 x 26": 0}
    teacher.locator(".st-key-class_question").scroll_into_view_if_needed()
    screenshot(teacher, "class-projector-tally")
    smallest, where = teacher.evaluate(SMALLEST_TEXT_JS)
    assert smallest >= 18, f"text of {smallest}px on the projector: {where!r}"
    with settles(teacher):
        teacher.get_by_role("button", name="Reveal the answer").click()
    assert teacher.get_by_text(f"The answer: {stride.right_choice}.").count() == 1
    screenshot(teacher, "class-projector-revealed")

    for student in students:  # the handwriting round: each draws the digit asked for and sends it
        open_app(student, f"{class_server}/draw-for-the-class?class={code}")
        draw_a_one(student)
        with settles(student):
            student.get_by_role("button", name="to the class").click()
        assert student.get_by_text("is on the class board").count() == 1, student.inner_text("body")[-500:]

    open_app(teacher, f"{class_server}/class-board?present=true&class={code}")
    teacher.wait_for_function("() => document.body.innerText.includes('Digits from the class')", timeout=30_000)
    assert teacher.locator('[data-testid="stMetricValue"]').first.inner_text().strip() == "3"
    assert teacher.locator(".st-key-class_gallery img").count() == 3
    assert run_state(teacher)["exception"] == 0
    screenshot(teacher, "class-board-gallery")
    smallest, where = teacher.evaluate(SMALLEST_TEXT_JS)
    assert smallest >= 18, f"text of {smallest}px on the projector: {where!r}"
    with settles(teacher):
        teacher.get_by_role("tab", name="Confusion matrices").click()
    teacher.locator(".js-plotly-plot").first.wait_for()
    assert teacher.locator(".js-plotly-plot .colorbar").count() == 2  # a colour legend on each heatmap
    screenshot(teacher, "class-board-confusion")
