"""Heavy model work a few at a time, server-wide, and its results cached by size in bytes.

A class shares one server process. Xception's analysis of a new photo (a forward pass and five
Grad-CAMs) briefly needs a few hundred MB of its own, and the feature maps of a digit nobody has
sent before take a model call and several pictures. Thirty students doing that at the same moment
would need thirty times the memory, and each would wait just as long as if they queued. So such
work takes a turn: at most ``CNNVIZ_HEAVY_AT_ONCE`` (default :data:`DEFAULT_AT_ONCE`, 1) run at once,
the others wait first come, first served (a :class:`cnnviz.playground.slots.SlotLimiter`) and
see one line, "Waiting for the server: 2 students ahead of you", only while they wait.

:func:`cached` is the decorator the loaders use: the result of each distinct call is kept in a
:class:`cnnviz.bytecache.ByteCache` bounded in megabytes, one per decorated function per server,
and only a miss takes a turn (30 students opening the same photo cost one turn, not 30). Rules:

- a function wrapped with ``limited=True`` must not call another such function on a miss (it
  would hold a turn while waiting for one);
- never call a :func:`cached` function from inside a Streamlit-cached one: its waiting line and
  spinner would be recorded and replayed by Streamlit on every later hit.

**A student's own input** (an uploaded photo, a drawn or photographed digit) is seen by that student
only, so its results are not the server's to keep: a function that declares a ``_own`` argument
keeps a call with ``_own=True`` in the calling session's own cache (``own_mb`` MB, a Streamlit
``cache_resource`` with ``scope="session"``), which Streamlit drops when the session disconnects.
The server's caches then hold what a class shares (test digits, sample photos) and fill in the first
class of the day; what students bring leaves with them. Measured with ``benchmarks/memory.py --probe``
before this (30 students a round, 5 uploading a photo, 5 a digit): the server-wide caches held 63 MB
after round 2 and 85 MB after round 6 (of budgets adding up to 154 MB), nearly all of it students'
own photos and digits, still growing.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import inspect
import os
import threading
from typing import Callable, Iterator

import numpy as np
import streamlit as st

from cnnviz.bytecache import ByteCache
from cnnviz.playground.slots import SlotLimiter, _positive_int_from_env

AT_ONCE_ENV_VAR = "CNNVIZ_HEAVY_AT_ONCE"
CACHE_SCALE_ENV_VAR = "CNNVIZ_CACHE_SCALE"  # a factor on every cached() budget: below 1 for a small host
# One: TensorFlow already spreads one analysis over every core, so a second at once only doubles the
# memory. benchmarks/memory_parts.py, 5 photos: one at a time 0.46 s each and +290 MB; two at a time
# 1.14 s each (the same 0.57 s per photo) and +570 MB.
DEFAULT_AT_ONCE = 1
_held = threading.local()  # whether this thread holds a turn (a nested turn does not queue again)
_STORES: dict = {}  # function name -> its ByteCache now, for stats()


def at_once() -> int:
    """How many heavy computations may run at once, from ``CNNVIZ_HEAVY_AT_ONCE`` (default 1)."""
    return _positive_int_from_env(AT_ONCE_ENV_VAR, DEFAULT_AT_ONCE)


@st.cache_resource(show_spinner=False)
def server_limiter() -> SlotLimiter:
    """The one heavy-work limiter of this server process."""
    return SlotLimiter(capacity=at_once())


def cache_scale() -> float:
    """The factor on every :func:`cached` budget, from ``CNNVIZ_CACHE_SCALE`` (default 1; a value that
    is not a positive number counts as 1)."""
    try:
        scale = float(os.environ.get(CACHE_SCALE_ENV_VAR, "1"))
    except ValueError:
        return 1.0
    return scale if scale > 0 else 1.0


def waiting_line(ahead: int) -> str:
    """The one line a waiting student reads."""
    students = "1 student" if ahead == 1 else f"{ahead} students"
    return (f":material/hourglass_top: Waiting for the server: {students} ahead of you "
            "(it works on a few photos and new digits at a time).")


def _show_in_placeholder() -> Callable[[str | None], None]:
    """A ``show(text)`` writing one caption into a placeholder made on first use (``None`` clears it)."""
    placeholder = []

    def show(text: str | None) -> None:
        if text is None:
            if placeholder:
                placeholder[0].empty()
            return
        if not placeholder:
            placeholder.append(st.empty())
        placeholder[0].caption(text)

    return show


@contextlib.contextmanager
def turn(limiter: SlotLimiter | None = None, show: Callable[[str | None], None] | None = None) -> Iterator[None]:
    """Hold one of the server's heavy-work turns for the ``with`` body.

    Args:
        limiter: default :func:`server_limiter`.
        show: called with the waiting line while this caller waits (and with ``None`` once its turn
            has come); default a caption on the page. Never called when a turn is free at once.
    """
    if getattr(_held, "depth", 0):  # already inside a turn on this thread
        yield
        return
    limiter = limiter or server_limiter()
    show = show or _show_in_placeholder()
    waited = []

    def on_position(position: int) -> None:
        if position == 0:
            if waited:
                show(None)
            return
        waited.append(position)
        holding, _ = limiter.counts()
        show(waiting_line(holding + position - 1))

    with limiter.acquire("heavy", on_position=on_position):
        _held.depth = 1
        try:
            yield
        finally:
            _held.depth = 0


def _key_part(value):
    """A hashable stand-in for an argument: numpy arrays and bytes by a digest of their content."""
    if isinstance(value, np.ndarray):
        contiguous = np.ascontiguousarray(value)
        return ("ndarray", contiguous.shape, contiguous.dtype.str,
                hashlib.blake2b(contiguous.view(np.uint8).reshape(-1), digest_size=16).hexdigest())
    if isinstance(value, (bytes, bytearray, memoryview)):
        return ("bytes", hashlib.blake2b(bytes(value), digest_size=16).hexdigest())
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (tuple, list)):
        return tuple(_key_part(item) for item in value)
    raise TypeError(f"a heavy.cached function cannot be keyed by a {type(value).__name__}; "
                    "name the argument with a leading underscore to leave it out of the key.")


@st.cache_resource(show_spinner=False)
def _store(name: str, max_bytes: int) -> ByteCache:
    """The byte-bounded cache of one decorated function, one per server (``st.cache_resource.clear()``
    empties them all, as it does Streamlit's own)."""
    store = _STORES[name] = ByteCache(max_bytes)
    return store


@st.cache_resource(scope="session", show_spinner=False)
def _own_store(name: str, max_bytes: int) -> ByteCache:
    """One session's own cache of one decorated function: Streamlit drops it when the session disconnects."""
    return ByteCache(max_bytes)


def _session_store(name: str, max_bytes: int) -> ByteCache | None:
    """This session's own cache, or None outside a page's run (a test, the warm-up thread): not kept then."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    return _own_store(name, max_bytes) if get_script_run_ctx(suppress_warning=True) is not None else None


def cached(*, max_mb: float, own_mb: float = 0, limited: bool = True, spinner: str | None = None):
    """Decorator: keep each distinct call's result (shared read-only by every session, as
    ``st.cache_resource`` does) in at most ``max_mb`` MB, least recently used out first.

    Arguments whose names start with ``_`` are left out of the key (as in Streamlit's caches).
    Exceptions are not cached. A call with ``_own=True`` (for a function that declares ``_own``) is
    one student's own input: kept in that session's own cache of ``own_mb`` MB, never the server's.

    Args:
        max_mb: the function's server-wide budget in MB (of :func:`cnnviz.bytecache.size_of`), times
            :func:`cache_scale`.
        own_mb: each session's budget for its own calls, in MB (times :func:`cache_scale`).
        limited: a miss takes one of the server's heavy-work turns (:func:`turn`).
        spinner: shown while a miss computes.
    """

    def decorate(function):
        signature = inspect.signature(function)
        name = f"{function.__module__}.{function.__qualname__}"

        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            key = tuple((parameter, _key_part(value)) for parameter, value in bound.arguments.items()
                        if not parameter.startswith("_"))

            def compute():
                with turn() if limited else contextlib.nullcontext():
                    with st.spinner(spinner) if spinner else contextlib.nullcontext():
                        return function(*args, **kwargs)

            if not bound.arguments.get("_own", False):
                return _store(name, budget(max_mb)).get_or_compute(key, compute)
            own = _session_store(name, budget(own_mb))
            return own.get_or_compute(key, compute) if own is not None else compute()

        def budget(megabytes: float) -> int:
            return int(megabytes * cache_scale() * 2**20)

        wrapper.store = lambda: _store(name, budget(max_mb))
        wrapper.clear = lambda: wrapper.store().clear()
        return wrapper

    return decorate


def stats() -> dict[str, dict]:
    """Every :func:`cached` function's cache now, by name (entries, bytes, budget, hits, misses)."""
    return {name: store.stats() for name, store in list(_STORES.items())}
