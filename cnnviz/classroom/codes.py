"""Class codes, teacher tokens and the anonymous ids a browser session makes.

A class code is 6 characters of Crockford's base 32 (``0-9`` and ``A-Z`` without ``I L O U``),
drawn with :mod:`secrets`: 32**6 = 2**30, about a billion codes. Students type codes, so
:func:`normalise_class_code` forgives case, spaces, dashes and the look-alikes ``O``->``0`` and
``I``/``L``->``1`` (Crockford's own rules), and refuses everything else with a sentence.

A teacher token is ``secrets.token_urlsafe(32)`` (256 bits). Only its SHA-256 is stored, and a
token is checked with :func:`hmac.compare_digest`, so neither the database nor timing gives it away.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from cnnviz.classroom.errors import InvalidSubmission, MalformedClassCode

CROCKFORD_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # 32 symbols: 5 bits each
CLASS_CODE_LENGTH = 6
CLASS_CODE_BITS = 5 * CLASS_CODE_LENGTH  # 30
# Crockford's decoding rules for characters people mistake for others.
LOOK_ALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
SEPARATORS = re.compile(r"[\s\-_.]+")
LONGEST_TYPED_CODE = 40  # anything longer is refused before any other work (a 10 kB paste)
TEACHER_TOKEN_BYTES = 32
# Ids a browser makes for itself (student ids, submission ids): URL-safe base64, 16..64 characters.
SESSION_ID_PATTERN = re.compile(r"[A-Za-z0-9_\-]{16,64}")


def new_class_code() -> str:
    """A fresh random class code: 6 Crockford base-32 characters, e.g. ``"7K3Q9D"``."""
    return "".join(secrets.choice(CROCKFORD_ALPHABET) for _ in range(CLASS_CODE_LENGTH))


def normalise_class_code(typed: object) -> str:
    """The class code in ``typed``, in its canonical form (upper case, ``O``->``0``, ``I``/``L``->``1``,
    spaces and dashes dropped).

    Args:
        typed: whatever a student typed or a link carried; any type.

    Returns:
        6 characters of :data:`CROCKFORD_ALPHABET`.

    Raises:
        MalformedClassCode: for anything that is not a class code (wrong type, too long, quotes,
            SQL fragments, characters outside ASCII letters and digits, the wrong length).
    """
    if not isinstance(typed, str) or len(typed) > LONGEST_TYPED_CODE:
        raise MalformedClassCode()
    squeezed = SEPARATORS.sub("", typed)
    # isascii first: str.upper() turns some non-ASCII letters into ASCII ones ("ß" -> "SS").
    if not squeezed.isascii():
        raise MalformedClassCode()
    code = squeezed.upper().translate(LOOK_ALIKES)
    if len(code) != CLASS_CODE_LENGTH or any(character not in CROCKFORD_ALPHABET for character in code):
        raise MalformedClassCode()
    return code


def new_teacher_token() -> str:
    """A fresh secret for the browser session that starts a class (43 URL-safe characters)."""
    return secrets.token_urlsafe(TEACHER_TOKEN_BYTES)


def hash_teacher_token(token: str) -> str:
    """The SHA-256 of a teacher token as 64 hex digits: what the database stores."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def token_matches(token: object, stored_hash: str) -> bool:
    """Whether ``token`` is the teacher token whose hash is ``stored_hash`` (constant-time compare).
    Anything that is not a string (``None``, a number) never matches."""
    if not isinstance(token, str) or len(token) > 200:
        return False
    return hmac.compare_digest(hash_teacher_token(token), stored_hash)


def new_session_id() -> str:
    """A fresh anonymous id for a student's browser session, or for one press of a submit button
    (a submission id): 22 URL-safe characters, 128 random bits."""
    return secrets.token_urlsafe(16)


def checked_session_id(value: object, what: str) -> str:
    """``value`` if it looks like an id from :func:`new_session_id` (16-64 URL-safe characters).

    Raises:
        InvalidSubmission: naming ``what`` ("student id", "submission id") in a sentence.
    """
    if not isinstance(value, str) or not SESSION_ID_PATTERN.fullmatch(value):
        raise InvalidSubmission(f"This page sent a broken {what}. Reload the page and try again.")
    return value
