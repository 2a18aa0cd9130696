"""The class on real ``streamlit run app.py`` servers, driven at the protocol level (Streamlit's own
websocket messages, ``benchmarks/class_client.py``):

- a student replaying the teacher's reveal, clear and close buttons changes nothing;
- a server killed mid-class and started again loses no answer or digit, on SQLite and on
  PostgreSQL, and the class goes on (students and the teacher come back with their cookies);
- two replicas behind HAProxy on one PostgreSQL show one class the same tally.

About 20-40 s per test on 2 cores (each starts its own servers)."""

from __future__ import annotations

import numpy as np
import pytest
import sqlalchemy as sa
from class_servers import (Server, class_environment, canvas_data_url, run,
                           student_joins, teacher_starts_a_class)
from classroom_support import BACKENDS, Backend, count_rows
from postgres_support import postgres_cluster  # noqa: F401 (fixture)
from streamlit.proto.WidgetStates_pb2 import WidgetState

from cnnviz.classroom import Classroom, ClassroomSettings, engine_options, questions, schema
from deploy.processes import free_port

STRIDE = questions.stride_question()
TEACHER_BUTTONS = ("class_reveal", "class_ask_again", "class_close", "class_clear_digits", "class_clear_fool")


@pytest.fixture(params=BACKENDS)
def database(request, tmp_path):
    if request.param == "sqlite":
        yield Backend("sqlite", f"sqlite:///{tmp_path / 'class.sqlite3'}")
        return
    cluster = request.getfixturevalue("postgres_cluster")
    name, url = cluster.new_database()
    yield Backend("postgresql", url, name, cluster)
    cluster.drop_database(name)


@pytest.fixture
def reader(database):
    engine = sa.create_engine(database.url, **engine_options(database.url))
    yield Classroom(engine, ClassroomSettings(seconds_between_submissions=0))
    engine.dispose()


@pytest.fixture
def server(database, tmp_path):
    started = Server(free_port(), class_environment(database.url), tmp_path / "server.log").start()
    yield started
    started.stop()


def test_a_student_replaying_the_teachers_buttons_changes_nothing(server, reader, mnist):
    (_, _), (x_test, _) = mnist

    async def scenario():
        teacher, code, _ = await teacher_starts_a_class(server.url)
        student, _ = await student_joins(server.url, code)
        assert (await student.press("class_choice_1")).status == "ok"
        await teacher.open("convolution", class_code=code, present="true")
        teacher_states = [WidgetState(id=teacher.elements[key].element.id, trigger_value=True)
                          for key in TEACHER_BUTTONS if key in teacher.elements]
        assert len(teacher_states) == 5, sorted(teacher.elements)
        reader.submit_digit(code, "a-student-id-00000001", "a-submission-00000001", x_test[0], 7, 7, 7)
        # The student replays each of the teacher's buttons, on a student's page and on a projector page.
        for present in ("false", "true"):
            await student.open("convolution", class_code=code, present=present)
            for state in teacher_states:
                result = await student.send_state(state)
                assert result.status == "ok", result.errors
            result = await student.send_state(*teacher_states)
            assert result.status == "ok", result.errors
        tally = reader.tally(code, STRIDE.question_id, STRIDE.choices)
        assert tally.total == 1 and not tally.revealed
        assert reader.join_class(code).code == code  # still open
        assert len(reader.gallery(code)) == 1
        # The same message from the teacher's own browser does reveal: the replay was a real one.
        assert (await teacher.press("class_reveal")).status == "ok"
        assert reader.tally(code, STRIDE.question_id, STRIDE.choices).revealed
        for session in (teacher, student):
            await session.close()

    run(scenario())


def test_a_server_killed_mid_class_loses_nothing_and_the_class_goes_on(database, server, reader, mnist):
    (_, _), (x_test, y_test) = mnist

    async def before_the_crash():
        teacher, code, teacher_cookies = await teacher_starts_a_class(server.url)
        students = []
        for number in range(3):
            student, cookies = await student_joins(server.url, code)  # the id's cookie comes first
            assert (await student.press(f"class_choice_{number % 2}")).status == "ok"
            await student.open("draw-for-the-class", class_code=code)
            for _ in range(2):
                result = await student.draw_and_press("class_draw_send", canvas_data_url(x_test[number]))
                assert result.status == "ok" and "is on the class board" in student.text(), student.text()
            students.append(cookies)
            await student.close()
        await teacher.close()
        return code, teacher_cookies, students

    code, teacher_cookies, student_cookies = run(before_the_crash())
    assert set(teacher_cookies) == {"cnnviz_teacher", "cnnviz_student"}
    assert all("cnnviz_student" in cookies for cookies in student_cookies)
    answers_before = reader.tally(code, STRIDE.question_id, STRIDE.choices).counts
    assert sum(answers_before.values()) == 3 and count_rows(reader, schema.digits, code) == 6

    server.kill()
    server.start()
    assert count_rows(reader, schema.digits, code) == 6  # nothing acknowledged was lost
    assert reader.tally(code, STRIDE.question_id, STRIDE.choices).counts == answers_before

    async def after_the_restart():
        # Students come back with their browsers' cookies: the same ids, so answering again
        # replaces their answers instead of counting them twice.
        for number, cookies in enumerate(student_cookies):
            student, _ = await student_joins(server.url, code, cookies=cookies)
            assert (await student.press("class_choice_2")).status == "ok", student.text()
            await student.close()
        newcomer, _ = await student_joins(server.url, code)
        await newcomer.open("draw-for-the-class", class_code=code)
        result = await newcomer.draw_and_press("class_draw_send", canvas_data_url(x_test[5]))
        assert "is on the class board" in newcomer.text(), newcomer.text()
        await newcomer.close()
        # The teacher's browser comes back with its cookie and still holds the controls.
        teacher, _ = await student_joins(server.url, code, cookies=teacher_cookies)
        await teacher.open("convolution", class_code=code, present="true")
        assert "class_reveal" in teacher.elements, sorted(teacher.elements)
        assert (await teacher.press("class_reveal")).status == "ok"
        await teacher.close()

    run(after_the_restart())
    tally = reader.tally(code, STRIDE.question_id, STRIDE.choices)
    assert tally.counts[STRIDE.choices[2]] == 3 and tally.total == 3 and tally.revealed
    assert count_rows(reader, schema.digits, code) == 7


@pytest.mark.postgres
def test_two_replicas_on_postgres_show_one_class_the_same_tally(postgres_cluster, tmp_path, monkeypatch):  # noqa: F811
    from deploy.run_local_replicas import ReplicasUnavailable, start_replicas

    name, url = postgres_cluster.new_database()
    for variable, value in class_environment(url).items():
        monkeypatch.setenv(variable, value)
    try:
        replicas = start_replicas(2, port=0, log_dir=tmp_path / "logs")
    except ReplicasUnavailable as error:
        if "not installed" in str(error) and __import__("os").environ.get("CNNVIZ_REQUIRE_HAPROXY") != "1":
            pytest.skip(str(error))
        raise

    async def scenario():
        teacher, code, _ = await teacher_starts_a_class(replicas.url)
        seen_replicas = {teacher.affinity}
        for number in range(6):
            student, _ = await student_joins(replicas.url, code)
            seen_replicas.add(student.affinity)
            assert (await student.press(f"class_choice_{number % 3}")).status == "ok", student.text()
            await student.close()
        assert len(seen_replicas) == 2, seen_replicas  # HAProxy spread the class over both replicas
        boards = {}
        for replica in ("app1", "app2"):  # a projector pinned to each replica
            projector = await _pinned_projector(replicas.url, code, replica)
            boards[replica] = [text for text in projector.texts if "cnnviz-tally" in text]
            await projector.close()
        assert boards["app1"] == boards["app2"] and len(boards["app1"]) == 1
        assert "6 answers so far" in boards["app1"][0]
        await teacher.close()

    try:
        run(scenario())
    finally:
        replicas.stop()
        postgres_cluster.drop_database(name)


async def _pinned_projector(url: str, code: str, replica: str):
    from class_servers import ClassSession

    projector = ClassSession(url, cookies={"CNNVIZ_REPLICA": replica})
    await projector.connect()
    await projector.open("convolution", class_code=code, present="true")
    return projector
