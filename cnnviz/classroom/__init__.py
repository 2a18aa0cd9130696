"""The whole class in the picture: class codes, predict-then-reveal answers, the class's own
handwriting and "fool the MLP", shared through a real database (SQLite by default, PostgreSQL
with ``CNNVIZ_DATABASE_URL``). No Streamlit here: the UI hands in the engine.

    url = database_url()
    engine = st.connection("classroom", type="sql", url=url, **engine_options(url)).engine
    classroom = Classroom(engine)           # one per server (st.cache_resource)
    started = classroom.start_class()       # .code for the link, .teacher_token for the session

Modules: ``store`` (:class:`Classroom`, the one object pages use), ``board`` (its reads for the
projector), ``submissions`` (checks and result records), ``codes``, ``schema``, ``database``,
``settings``, ``errors``.
"""

from cnnviz.classroom.codes import new_session_id, normalise_class_code
from cnnviz.classroom.errors import (PAUSED_SENTENCE, ClassCodeError, ClassEnded, ClassNotFound,
                                     ClassroomError, ClassroomPaused, InvalidSubmission,
                                     MalformedClassCode, NotTheTeacher, SlowDown)
from cnnviz.classroom.settings import ClassroomSettings, database_url, engine_options
from cnnviz.classroom.store import Classroom
from cnnviz.classroom.submissions import (ClassInfo, Digit, FoolAttempt, HandwritingSummary,
                                          StartedClass, Tally, change_size)

__all__ = [
    "Classroom", "ClassroomSettings", "database_url", "engine_options", "new_session_id",
    "normalise_class_code", "change_size", "PAUSED_SENTENCE",
    "ClassroomError", "ClassCodeError", "MalformedClassCode", "ClassNotFound", "ClassEnded",
    "NotTheTeacher", "SlowDown", "InvalidSubmission", "ClassroomPaused",
    "StartedClass", "ClassInfo", "Tally", "Digit", "HandwritingSummary", "FoolAttempt",
]
