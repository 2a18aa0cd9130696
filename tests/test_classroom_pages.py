"""The class features through the real app (AppTest): a teacher starts a class in presenter mode,
students join with the link, answer, and see the reveal; bad class links get a sentence; the
teacher token is never drawn nor put in a URL; and with the database unreachable or read-only
the lesson keeps working while the class features say they are paused."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest
from pages_list import open_app

from cnnviz.classroom import PAUSED_SENTENCE, questions
from cnnviz.ui import classroom as class_ui
from cnnviz.ui.lesson import student_link

BAD_LINKS = ["' OR 1=1 --", "'; DROP TABLE classes; --", '7K3"9D', "<script>alert(1)</script>",
             "ÅBCDEF", "ＡＢＣＤＥＦ", "٣٣٣٣٣٣", "7K3Q9U", "A" * 10_000, "%00", " "]


@pytest.fixture(autouse=True)
def own_database(tmp_path, monkeypatch):
    """Each test's class database: a fresh SQLite file (the default kind), no rate-limit wait."""
    monkeypatch.delenv("CNNVIZ_DATABASE_URL", raising=False)
    monkeypatch.setenv("CNNVIZ_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CNNVIZ_SECONDS_BETWEEN_SUBMISSIONS", "0")
    return tmp_path / "data"


def drawn_text(app) -> str:
    """Every element the app drew, as protobuf text (values, labels, HTML, code)."""
    parts = []

    def walk(node):
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(str(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(app._tree)
    return "\n".join(parts)


def start_class(page: str = "app_pages/convolution.py"):
    teacher = open_app({"present": "true"})
    teacher.switch_page(page).run()
    teacher.button(key="class_start").click().run()
    assert not teacher.exception, [e.value for e in teacher.exception]
    return teacher, teacher.session_state[class_ui.CODE_KEY]


def join(code: str, page: str = "app_pages/convolution.py"):
    student = open_app({"class": code.lower()})  # a typed code: case is forgiven
    student.switch_page(page).run()
    assert not student.exception, [e.value for e in student.exception]
    return student


def test_a_class_goes_from_start_through_answers_to_the_reveal():
    teacher, code = start_class()
    assert teacher.query_params["class"] == code
    assert f"class={code}" in student_link("convolution", {"class": code, "present": "true"})
    assert any(code in markdown.value for markdown in teacher.markdown)  # the teacher's menu names it
    question = questions.stride_question()

    students = [join(code) for _ in range(3)]
    for student, choice in zip(students, ["13 x 13", "13 x 13", "14 x 14"]):
        assert student.session_state[class_ui.CODE_KEY] == code and student.query_params["class"] == code
        with pytest.raises(KeyError):
            student.button(key="class_reveal")  # a student's page has no teacher's buttons
        student.button(key=f"class_choice_{question.choices.index(choice)}").click().run()
        assert not student.exception
    tally = class_ui.classroom().tally(code, question.question_id, question.choices)
    assert tally.counts == {"12 x 12": 0, "13 x 13": 2, "14 x 14": 1, "26 x 26": 0}

    teacher.run()
    board = drawn_text(teacher)
    assert "3 answers so far" in board and "cnnviz-tally" in board
    teacher.button(key="class_reveal").click().run()
    assert class_ui.classroom().tally(code, question.question_id, question.choices).revealed
    assert any("The answer: 13 x 13." in markdown.value for markdown in teacher.markdown)

    students[0].run()
    assert any("You were right!" in markdown.value for markdown in students[0].markdown)
    students[2].run()
    assert any("You said 14 x 14." in markdown.value for markdown in students[2].markdown)
    assert students[2].button(key="class_choice_0").disabled  # revealed: no more answers

    teacher.button(key="class_ask_again").click().run()
    assert class_ui.classroom().tally(code, question.question_id, question.choices).total == 0

    token = teacher.session_state[class_ui.TOKEN_KEY]
    for app in (teacher, *students):
        assert token not in drawn_text(app) and token not in str(dict(app.query_params))


def test_the_teacher_closes_the_class_and_its_link_then_says_so():
    teacher, code = start_class()
    teacher.button(key="class_close").click().run()
    assert "class" not in teacher.query_params
    assert teacher.button(key="class_start")  # ready for the next class
    latecomer = open_app({"class": code})
    assert [warning.value for warning in latecomer.warning] == [
        f"The class {code} has ended. Ask your teacher for the code of today's class."]


@pytest.mark.parametrize("link", BAD_LINKS, ids=range(len(BAD_LINKS)))
def test_a_bad_class_link_gets_one_sentence_and_the_lesson_goes_on(link):
    app = open_app({"class": link})
    assert not app.exception, [e.value for e in app.exception]
    assert app.title  # the lesson page is there
    sentences = [warning.value for warning in app.warning if "class code" in warning.value]
    assert sentences == ["That is not a class code: a class code is 6 letters and digits, like 7K3Q9D. "
                         "Check the code on the projector and type it again."]
    if len(link) > 20:
        assert link not in drawn_text(app)  # a pasted 10 kB string is never repeated back
    assert class_ui.CODE_KEY not in app.session_state


def test_an_unknown_class_code_names_the_code():
    app = open_app({"class": "zzzz-zz"})
    assert [warning.value for warning in app.warning if "class" in warning.value] == [
        "There is no class with the code ZZZZZZ. Check the code on the projector and type it again."]


def test_the_class_board_shows_the_handwriting_and_opens_a_mistake_inside_the_cnn():
    teacher, code = start_class("app_pages/class_board.py")
    classroom = class_ui.classroom()
    pixels = np.zeros((28, 28), np.uint8)
    pixels[6:22, 12:16] = 255
    for number, (mlp, cnn) in enumerate([(1, 1), (7, 1), (7, 7)]):
        classroom.submit_digit(code, f"student-{number:012d}", f"submission-{number:09d}", pixels, 1, mlp, cnn)
    teacher.run()
    assert not teacher.exception, [e.value for e in teacher.exception]
    metrics = {metric.label: metric.value for metric in teacher.metric}
    assert metrics["Digits from the class"] == "3"
    assert metrics["MLP on your handwriting"] == "33%" and metrics["CNN on your handwriting"] == "67%"
    board = drawn_text(teacher)
    assert all(f'caption: "{caption}"' in board for caption in ["1: MLP 7, CNN 7", "1: MLP 7", "1"])

    teacher.query_params["board_tab"] = "Mistakes"  # the board's tabs are bound to the URL
    teacher.switch_page("app_pages/class_board.py").run()
    assert not teacher.exception, [e.value for e in teacher.exception]
    teacher.button(key="class_open_0").click().run()
    assert not teacher.exception, [e.value for e in teacher.exception]
    assert teacher.session_state["inside_source"] == "Your digit"
    assert teacher.session_state["inside_model"] == questions.CLASS_CNN
    assert teacher.query_params["class"] == code


def test_fool_the_mlp_sends_a_change_that_fools_only_the_mlp():
    teacher, code = start_class()
    student = join(code, "app_pages/fool_the_mlp.py")
    assert student.button(key="fool_send").disabled  # unchanged: nobody is fooled
    for shift in range(1, 7):  # move the test 7 right until only the MLP misreads it
        student.slider(key="fool_shift_x").set_value(shift).run()
        assert not student.exception, [e.value for e in student.exception]
        if not student.button(key="fool_send").disabled:
            break
    else:
        pytest.skip("no shift up to 6 px fools only the MLP on this digit")
    student.button(key="fool_send").click().run()
    board = class_ui.classroom().fool_board(code)
    assert len(board) == 1 and board[0].shift_x == shift and board[0].true_label == 7
    assert board[0].mlp_label != 7 and board[0].cnn_label == 7


@pytest.mark.parametrize("fault", ["unreachable", "read-only", "misconfigured"])
def test_without_a_working_database_the_lesson_works_and_the_class_pauses(fault, own_database, monkeypatch):
    if fault == "unreachable":  # nothing listens on port 1; the connection is refused at once
        monkeypatch.setenv("CNNVIZ_DATABASE_URL", "postgresql+psycopg://cnnviz@127.0.0.1:1/cnnviz")
    elif fault == "read-only":  # a database file opened read-only (root would write past chmod)
        own_database.mkdir()
        sqlite3.connect(own_database / "cnnviz.sqlite3").close()
        monkeypatch.setenv("CNNVIZ_DATABASE_URL",
                           f"sqlite:///file:{own_database / 'cnnviz.sqlite3'}?mode=ro&uri=true")
    else:
        monkeypatch.setenv("CNNVIZ_DATABASE_URL", "nosuchdatabase://nowhere")
    teacher = open_app({"present": "true"})
    teacher.button(key="class_start").click().run()
    assert not teacher.exception, [e.value for e in teacher.exception]
    assert [info.value for info in teacher.info if "paused" in info.value] == [PAUSED_SENTENCE]
    student = open_app({"class": "7K3Q9D"})
    assert [warning.value for warning in student.warning if "paused" in warning.value] == [PAUSED_SENTENCE]
    for page in ["app_pages/convolution.py", "app_pages/pooling.py", "app_pages/class_board.py",
                 "app_pages/draw_for_the_class.py"]:
        student.switch_page(page).run()
        assert not student.exception, [e.value for e in student.exception]
        assert student.title
