"""The class features in Streamlit: the class database, who this browser is, the teacher's controls
and the class code in the students' link. Every class error is shown as one sentence.

Who is who:

- The class code lives in the URL parameter ``class``: the students' link and QR code carry it
  (:func:`link_parameters`), and every page keeps it in the address bar, so a reload stays in the
  class.
- A student is an anonymous id (:func:`student_id`) in ``st.session_state``.
- The teacher is the browser session that pressed **Start a class**: it holds the class's secret
  teacher token in ``st.session_state``, never in the URL and never drawn.

Both ids are also kept in a cookie of this browser (no expiry date: it ends with the browser), so
that after a server restart or a reload the same student answers again instead of a new one, and
the teacher keeps the controls. The cookies are only read back by the server.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging

import streamlit as st

from cnnviz.classroom import (Classroom, ClassroomError, ClassroomPaused, codes, database_url,
                              engine_options, new_session_id)

LOGGER = logging.getLogger(__name__)

CLASS_PARAMETER = "class"
CODE_KEY = "class_code"
TOKEN_KEY = "class_teacher_token"
STUDENT_KEY = "class_student_id"
LINK_CHECKED_KEY = "class_link_checked"  # digest of the last ``class`` link value checked
LINK_PROBLEM_KEY = "class_link_problem"  # its sentence, while the link still carries it
TEACHER_CHECKED_KEY = "class_teacher_cookie_checked"
NOTICE_KEY = "class_notice"  # (kind, sentence) left by a button's callback, shown once
COOKIES_KEY = "class_cookies_to_write"
STUDENT_COOKIE = "cnnviz_student"
TEACHER_COOKIE = "cnnviz_teacher"
ICONS = {"info": ":material/pause_circle:", "warning": ":material/info:", "success": ":material/check_circle:"}


@st.cache_resource(show_spinner=False)
def _classroom_for(url: str) -> Classroom:
    connection = st.connection("classroom", type="sql", url=url, **engine_options(url))
    return Classroom(connection.engine)


def classroom() -> Classroom:
    """The server's one :class:`Classroom` on ``st.connection("classroom", type="sql")``.

    Raises:
        ClassroomPaused: the database is misconfigured (a bad URL, a missing driver, a bad
            setting); the reason is logged for whoever runs the server.
    """
    try:
        return _classroom_for(database_url())
    except Exception as error:  # nothing about the database may stop a page
        LOGGER.warning("The class database cannot be set up, class features paused: %s", error)
        raise ClassroomPaused() from error


def say(error: Exception, where=None) -> None:
    """One sentence for a class error: paused as information, refused as a warning."""
    where = where or st
    if isinstance(error, ClassroomPaused):
        where.info(str(error), icon=ICONS["info"])
    else:
        where.warning(str(error), icon=ICONS["warning"])


@contextlib.contextmanager
def sentences(where=None):
    """``with sentences(): ...``: a class error inside becomes its sentence on the page, and the
    page goes on after the block."""
    try:
        yield
    except (ClassroomError, ClassroomPaused) as error:
        say(error, where)


def leave_notice(error: Exception | None = None, success: str | None = None, info: str | None = None) -> None:
    """From a button's callback: a sentence for the next run to show (see :func:`show_notice`)."""
    if error is not None:
        st.session_state[NOTICE_KEY] = ("info" if isinstance(error, ClassroomPaused) else "warning", str(error))
    elif success:
        st.session_state[NOTICE_KEY] = ("success", success)
    elif info:
        st.session_state[NOTICE_KEY] = ("info", info)


def show_notice(where=None) -> None:
    """The sentence a callback left, once."""
    notice = st.session_state.pop(NOTICE_KEY, None)
    if notice:
        kind, text = notice
        getattr(where or st, kind)(text, icon=ICONS[kind])


def _cookie(name: str) -> str:
    try:
        return str(st.context.cookies.get(name) or "")
    except Exception:  # no browser request behind this run (AppTest)
        return ""


def _remember_in_cookie(name: str, value: str) -> None:
    st.session_state.setdefault(COOKIES_KEY, {})[name] = value


def write_cookies() -> None:
    """Write the cookies this session still owes the browser (a hidden element; once each)."""
    pending = st.session_state.pop(COOKIES_KEY, None)
    if not pending:
        return
    # Values are ids this server made (URL-safe base64, or empty to delete): nothing to escape.
    statements = "".join(
        f'document.cookie = "{name}={value}; path=/; SameSite=Strict"'
        f'{"; max-age=0" if not value else ""};' for name, value in pending.items())
    st.html(f'<div class="cnnviz-cookie" hidden></div><script>{statements}</script>'
            '<style>.stElementContainer:has(.cnnviz-cookie) { display: none; }</style>',
            unsafe_allow_javascript=True)


def student_id() -> str:
    """This browser's anonymous student id (the same after a reload or a server restart)."""
    if STUDENT_KEY not in st.session_state:
        remembered = _cookie(STUDENT_COOKIE)
        if codes.SESSION_ID_PATTERN.fullmatch(remembered):
            st.session_state[STUDENT_KEY] = remembered
        else:
            st.session_state[STUDENT_KEY] = new_session_id()
            _remember_in_cookie(STUDENT_COOKIE, st.session_state[STUDENT_KEY])
    return st.session_state[STUDENT_KEY]


def current_class() -> str | None:
    """The code of the class this session is in, or None; checks a new ``?class=`` link once and
    keeps the code in the address bar. A link that names no open class leaves its sentence for
    :func:`show_link_problem`."""
    linked = st.query_params.get(CLASS_PARAMETER)
    if linked is None:
        st.session_state.pop(LINK_PROBLEM_KEY, None)
    else:
        digest = hashlib.sha256(linked.encode("utf-8", "replace")).hexdigest()
        if digest != st.session_state.get(LINK_CHECKED_KEY):
            _check_link(linked, digest)
    code = st.session_state.get(CODE_KEY)
    if code and linked != code and LINK_PROBLEM_KEY not in st.session_state:
        st.query_params[CLASS_PARAMETER] = code  # a lesson link replaced the query: put it back
    return code


def _check_link(linked: str, digest: str) -> None:
    st.session_state.pop(LINK_PROBLEM_KEY, None)
    try:
        code = classroom().join_class(linked).code
    except ClassroomPaused as paused:
        st.session_state[LINK_PROBLEM_KEY] = str(paused)
        return  # not marked as checked: tried again on the next run
    except ClassroomError as refused:
        st.session_state[LINK_PROBLEM_KEY] = str(refused)
    else:
        if code != st.session_state.get(CODE_KEY):
            st.session_state.pop(TOKEN_KEY, None)  # another class: this browser is not its teacher
            st.session_state.pop(TEACHER_CHECKED_KEY, None)
        st.session_state[CODE_KEY] = code
    st.session_state[LINK_CHECKED_KEY] = digest


def show_link_problem(where=None) -> None:
    """The sentence for a ``?class=`` link that names no open class (while the link carries it)."""
    problem = st.session_state.get(LINK_PROBLEM_KEY)
    if problem:
        (where or st).warning(problem, icon=ICONS["warning"])


def teacher_token(code: str | None) -> str | None:
    """The teacher token if this browser started the class ``code``, else None. A browser that
    started it and came back (a reload, a server restart) is recognised by its cookie, once."""
    if not code:
        return None
    token = st.session_state.get(TOKEN_KEY)
    if token or st.session_state.get(TEACHER_CHECKED_KEY) == code:
        return token
    cookie_code, _, remembered = _cookie(TEACHER_COOKIE).partition(".")
    if cookie_code == code and remembered:
        try:
            if classroom().is_teacher(code, remembered):
                st.session_state[TOKEN_KEY] = token = remembered
        except (ClassroomError, ClassroomPaused):
            return None  # asked again on the next run
    st.session_state[TEACHER_CHECKED_KEY] = code
    return token


def link_parameters() -> dict[str, str]:
    """Extra parameters for the students' link: ``{"class": code}`` in a class, else ``{}``."""
    code = st.session_state.get(CODE_KEY)
    return {CLASS_PARAMETER: code} if code else {}


def _start_class() -> None:
    try:
        started = classroom().start_class()
    except (ClassroomError, ClassroomPaused) as error:
        leave_notice(error)
        return
    st.session_state.update({CODE_KEY: started.code, TOKEN_KEY: started.teacher_token,
                             TEACHER_CHECKED_KEY: started.code})
    st.session_state[LINK_CHECKED_KEY] = hashlib.sha256(started.code.encode()).hexdigest()
    st.session_state.pop(LINK_PROBLEM_KEY, None)
    st.query_params[CLASS_PARAMETER] = started.code
    _remember_in_cookie(TEACHER_COOKIE, f"{started.code}.{started.teacher_token}")
    leave_notice(success=f"Class {started.code} has started: students join with the Students' link or its QR code.")


def _teacher_action(action: str) -> None:
    code, token = st.session_state.get(CODE_KEY), st.session_state.get(TOKEN_KEY)
    done = {"close_class": f"Class {code} is closed.", "clear_digits": "The class's handwriting is cleared.",
            "clear_fool_attempts": "The Fool the MLP board is cleared."}
    try:
        getattr(classroom(), action)(code, token)
    except (ClassroomError, ClassroomPaused) as error:
        leave_notice(error)
        return
    leave_notice(success=done[action])
    if action == "close_class":
        leave_class()


def leave_class() -> None:
    """Forget the class in this session and its address bar (the teacher's cookie too)."""
    for key in (CODE_KEY, TOKEN_KEY, TEACHER_CHECKED_KEY, LINK_CHECKED_KEY, LINK_PROBLEM_KEY):
        st.session_state.pop(key, None)
    if CLASS_PARAMETER in st.query_params:
        del st.query_params[CLASS_PARAMETER]
    _remember_in_cookie(TEACHER_COOKIE, "")


def class_controls() -> None:
    """The teacher's controls, for the lesson line in presenter mode: **Start a class**, or the
    class code with a menu (the class board, clear, close). Another browser in the class sees only
    the code."""
    code = current_class()
    if code is None:
        st.button("Start a class", icon=":material/groups:", key="class_start", on_click=_start_class,
                  help="Students who open the Students' link then answer questions and draw digits for "
                       "the class; the projector shows what the class sent.")
        return
    if teacher_token(code) is None:
        st.markdown(f"**Class {code}**", width="content")
        return
    with st.popover(f"Class {code}", icon=":material/groups:", key="class_menu"):
        st.markdown(f"Students join with the **Students' link** or its QR code: it carries the code **{code}**.")
        st.page_link("app_pages/class_board.py", label="The class board: handwriting and Fool the MLP",
                     icon=":material/leaderboard:")
        st.button("Clear the class's handwriting", key="class_clear_digits", on_click=_teacher_action,
                  args=("clear_digits",), icon=":material/delete_sweep:")
        st.button("Clear the Fool the MLP board", key="class_clear_fool", on_click=_teacher_action,
                  args=("clear_fool_attempts",), icon=":material/delete_sweep:")
        st.button("Close the class", key="class_close", on_click=_teacher_action, args=("close_class",),
                  icon=":material/logout:", help="Its code stops working; the board stays readable.")
