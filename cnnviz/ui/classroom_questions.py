"""Predict, then reveal, under a lesson page: the question of the page (``cnnviz.classroom.questions``)
for the class this session is in.

- A student's laptop shows the choices; a press sends the answer (pressing another choice changes it).
- The projector (presenter mode) and the teacher's browser show the live tally as counts and bars,
  never names, polled every :data:`BOARD_POLL_SECONDS`; only the teacher's browser has **Reveal**
  and **Ask again**. Once revealed, everyone sees the right answer and why.
"""

from __future__ import annotations

import html

import streamlit as st

from cnnviz import ui
from cnnviz.classroom import ClassroomError, ClassroomPaused, Tally, new_session_id, questions
from cnnviz.ui import classroom as class_ui

BOARD_POLL_SECONDS = 2.5  # the projector's tally: one indexed read per poll
STUDENT_POLL_SECONDS = 5.0  # a student's box learns of the reveal within this
ANSWERS_KEY = "class_answers"  # {question id: the choice this student last sent}
BOX_NOTICE_KEY = "class_box_notice"
RIGHT_COLOUR, BAR_COLOUR, DIMMED_COLOUR = "#2e7d32", "#1f77b4", "#b0b0b0"


@st.cache_resource(show_spinner="Preparing the class's question...", max_entries=16)
def question_for(page: str) -> questions.Question | None:
    """The question of a lesson page, built once per server; None for a page without one.

    Raises:
        cnnviz.data.DatasetUnavailable, cnnviz.zoo.ModelUnavailable: what it needs is missing
            (not cached: tried again on the next run).
    """
    if page == "matrix":
        return questions.flatten_question()
    if page == "convolution":
        return questions.stride_question()
    (_, _), (x_test, y_test) = ui.mnist()
    if page == "pooling":
        return questions.pooling_question(x_test[0], 0)
    if page == "mlp-vs-cnn":
        from cnnviz import zoo
        from cnnviz.ui.digits import zoo_model

        return questions.shifted_digits_question(
            x_test, y_test, lambda name, images: zoo.predict(name, zoo_model(name), images))
    if page == "inside-the-cnn":
        from cnnviz import zoo
        from cnnviz.ui import comparison

        card = zoo.card(questions.CLASS_CNN)
        probabilities = comparison.zoo_test_probabilities(questions.CLASS_CNN, card.get("date", ""))
        return questions.cnn_answer_question(x_test, y_test, probabilities)
    return None


def tally_html(tally: Tally, right_choice: str | None, presenter: bool) -> str:
    """The tally as rows of choice, bar and count (HTML, no script). ``right_choice`` (after the
    reveal) is marked and green, the others grey."""
    most = max(tally.counts.values(), default=0) or 1
    size = 22 if presenter else 16
    rows = []
    for choice, count in tally.counts.items():
        colour = BAR_COLOUR if right_choice is None else (RIGHT_COLOUR if choice == right_choice else DIMMED_COLOUR)
        mark = " &#10003;" if choice == right_choice else ""
        rows.append(
            f'<div style="font-weight:600">{html.escape(choice)}{mark}</div>'
            f'<div style="background:#eeeeee;height:{size + 6}px"><div style="background:{colour};'
            f'height:100%;width:{100 * count / most:.1f}%"></div></div>'
            f'<div style="text-align:right;font-weight:600">{count}</div>')
    answered = "1 answer" if tally.total == 1 else f"{tally.total} answers"
    return (f'<div class="cnnviz-tally" style="font-size:{size}px;color:#000;display:grid;'
            f'grid-template-columns:max-content 1fr 3em;gap:6px 12px;align-items:center">{"".join(rows)}</div>'
            f'<div style="font-size:{size}px;color:#000;margin-top:4px">{answered} so far</div>')


def question_box(page: str, notices=None) -> None:
    """Under the page: the class's question of ``page`` for this session, and the class's sentences
    (a bad ``?class=`` link, a paused database, a button's result) in ``notices`` (a container at
    the top of the page) or here. Costs nothing for a session outside any class."""
    code = class_ui.current_class()
    where = notices if notices is not None else st.container()
    class_ui.show_link_problem(where)
    class_ui.show_notice(where)
    if code is not None:
        class_ui.student_id()  # made (and its cookie written) on a full run, not in a fragment's
    class_ui.write_cookies()
    if code is None:
        return
    try:
        question = question_for(page)
    except (OSError, ValueError, RuntimeError):  # MNIST or a network is missing: that page says so
        question = None
    if question is None:
        return
    board = ui.presenter() or class_ui.teacher_token(code) is not None
    with st.container(border=True, key="class_question"):
        if board:
            _board_box(question, code)
        else:
            _student_box(question, code)


def _ask(question: questions.Question) -> None:
    st.markdown(f"**Question for the class:** {question.prompt}")
    if question.digit is not None:
        st.image(ui.picture(question.digit, 112), width=140 if ui.presenter() else 112)


@ui.fragment(run_every=BOARD_POLL_SECONDS)
def _board_box(question: questions.Question, code: str) -> None:
    _ask(question)
    try:
        tally = class_ui.classroom().tally(code, question.question_id, question.choices)
    except (ClassroomError, ClassroomPaused) as error:
        class_ui.say(error)
        return
    right = question.right_choice if tally.revealed else None
    if tally.revealed:  # first, so that the projector shows why without scrolling
        st.markdown(f"**The answer: {question.right_choice}.** {question.explanation}")
    st.html(tally_html(tally, right, ui.presenter()))
    _show_box_notice()
    if class_ui.teacher_token(code) is not None:
        with st.container(horizontal=True, gap="small"):
            if not tally.revealed:
                st.button("Reveal the answer", key="class_reveal", type="primary", icon=":material/visibility:",
                          on_click=_teacher, args=("reveal", question.question_id))
            st.button("Ask again", key="class_ask_again", icon=":material/restart_alt:",
                      on_click=_teacher, args=("clear_answers", question.question_id),
                      help="Deletes this question's answers so the class can answer afresh.")


@ui.fragment(run_every=STUDENT_POLL_SECONDS)
def _student_box(question: questions.Question, code: str) -> None:
    _ask(question)
    try:
        tally = class_ui.classroom().tally(code, question.question_id, question.choices)
    except (ClassroomError, ClassroomPaused) as error:
        class_ui.say(error)
        return
    answers = st.session_state.setdefault(ANSWERS_KEY, {})
    if tally.total == 0:
        answers.pop(question.question_id, None)  # the teacher asked again: nobody has answered yet
    sent = answers.get(question.question_id)
    with st.container(horizontal=True, gap="small"):
        for number, choice in enumerate(question.choices):
            st.button(choice, key=f"class_choice_{number}", disabled=tally.revealed,
                      type="primary" if choice == sent else "secondary",
                      on_click=_answer, args=(question, choice, code))
    _show_box_notice()
    if tally.revealed:
        verdict = "" if sent is None else ("You were right! " if sent == question.right_choice else
                                           f"You said {sent}. ")
        st.markdown(f"**The answer: {question.right_choice}.** {verdict}{question.explanation}")
    elif sent is not None:
        st.caption(f"You answered **{sent}**. Press another choice to change it; the projector shows the class's answers.")


def _answer(question: questions.Question, choice: str, code: str) -> None:
    sent = st.session_state.setdefault(ANSWERS_KEY, {})
    if sent.get(question.question_id) == choice:
        return  # a second press of the same choice changes nothing
    try:
        class_ui.classroom().submit_answer(code, class_ui.student_id(), new_session_id(),
                                           question.question_id, choice, question.choices)
    except (ClassroomError, ClassroomPaused) as error:
        st.session_state[BOX_NOTICE_KEY] = error
        return
    sent[question.question_id] = choice


def _teacher(action: str, question_id: str) -> None:
    code = st.session_state.get(class_ui.CODE_KEY)
    try:
        getattr(class_ui.classroom(), action)(code, st.session_state.get(class_ui.TOKEN_KEY), question_id)
    except (ClassroomError, ClassroomPaused) as error:
        st.session_state[BOX_NOTICE_KEY] = error


def _show_box_notice() -> None:
    error = st.session_state.pop(BOX_NOTICE_KEY, None)
    if error is not None:
        class_ui.say(error)
