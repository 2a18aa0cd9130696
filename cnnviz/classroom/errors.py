"""The class features' errors, each with a sentence a student or teacher can act on.

Two families, so a page can show them differently:

- :class:`ClassroomError` (a ``ValueError``): something a person typed or did that the class
  refuses (a malformed or unknown class code, a student pressing a teacher's button, an answer
  that is not a choice, sending too fast). Show it with ``st.warning(str(error))``.
- :class:`ClassroomPaused` (a ``RuntimeError``, like ``ModelUnavailable``): the class database
  cannot be reached or written. Show it with ``st.info(str(error))``; the lesson keeps working.

No message ever repeats raw input: a code is only echoed once it is known to be 6 safe characters.
"""

from __future__ import annotations

PAUSED_SENTENCE = ("The class features are paused: the class database cannot be reached. "
                   "The lesson itself keeps working.")


class ClassroomError(ValueError):
    """A request the class refuses; the message is one plain sentence saying what to do."""


class ClassCodeError(ClassroomError):
    """A class code that cannot be used: malformed, unknown, closed or expired."""


class MalformedClassCode(ClassCodeError):
    """The text typed is not a class code at all (wrong length, characters, type)."""

    def __init__(self) -> None:
        super().__init__("That is not a class code: a class code is 6 letters and digits, like "
                         "7K3Q9D. Check the code on the projector and type it again.")


class ClassNotFound(ClassCodeError):
    """A well-formed code that names no class on this server's database."""

    def __init__(self, code: str) -> None:
        super().__init__(f"There is no class with the code {code}. Check the code on the "
                         "projector and type it again.")


class ClassEnded(ClassCodeError):
    """The class was closed by its teacher, or is older than the class lifetime."""

    def __init__(self, code: str) -> None:
        super().__init__(f"The class {code} has ended. Ask your teacher for the code of "
                         "today's class.")


class NotTheTeacher(ClassroomError):
    """A teacher's action asked for without the token of the browser that started the class."""

    def __init__(self) -> None:
        super().__init__("Only the teacher's browser that started this class can reveal, clear "
                         "or close it.")


class SlowDown(ClassroomError):
    """A student sending faster, or more often, than the class's rate limits allow."""


class InvalidSubmission(ClassroomError):
    """An answer, digit or attempt the class cannot store (not a choice, wrong size, out of range)."""


class ClassroomPaused(RuntimeError):
    """The class database is unreachable, read-only or otherwise failing: the class features pause."""

    def __init__(self) -> None:
        super().__init__(PAUSED_SENTENCE)
