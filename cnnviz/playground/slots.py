"""A server-wide limit on live training runs: a few slots, a first-come first-served queue.

Thirty students share one server; each live run keeps the CPU busy. :class:`SlotLimiter` lets at
most ``capacity`` runs train at once (``CNNVIZ_MAX_TRAINING_RUNS``, default 1); the others wait
in a FIFO queue and can read their position. :meth:`SlotLimiter.acquire` is a context manager:
the slot is released whatever ends the run (normal end, stop, exception), and a queued run whose
student pressed stop or left gives its place up. No lock can leak.

The amount of work a single run may ask for is capped too: ``samples x epochs`` at most
``CNNVIZ_MAX_TRAINING_WORK`` (default 60000, e.g. 10000 images x 6 epochs or 58000 x 1).
"""

from __future__ import annotations

import itertools
import os
import threading
from collections import deque
from contextlib import contextmanager
from typing import Callable, Iterator

RUNS_ENV_VAR = "CNNVIZ_MAX_TRAINING_RUNS"
WORK_ENV_VAR = "CNNVIZ_MAX_TRAINING_WORK"
DEFAULT_RUNS = 1
DEFAULT_WORK = 60_000


class WaitCancelled(RuntimeError):
    """A queued run left the queue before it got a slot (its student pressed stop or left)."""


def _positive_int_from_env(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name}={raw!r} is not a whole number; set it to e.g. {default}.") from None
    if value < 1:
        raise ValueError(f"{name}={value} must be at least 1; set it to e.g. {default}.")
    return value


def max_training_runs() -> int:
    """How many live runs may train at once, from ``CNNVIZ_MAX_TRAINING_RUNS`` (default 1)."""
    return _positive_int_from_env(RUNS_ENV_VAR, DEFAULT_RUNS)


def max_training_work() -> int:
    """The most ``samples x epochs`` one run may ask for, from ``CNNVIZ_MAX_TRAINING_WORK``."""
    return _positive_int_from_env(WORK_ENV_VAR, DEFAULT_WORK)


class Slot:
    """A held training slot (what ``with limiter.acquire(...) as slot`` gives)."""

    def __init__(self, ticket: int, owner: str):
        self.ticket = ticket
        self.owner = owner


class SlotLimiter:
    """At most ``capacity`` holders at once; the rest wait in FIFO order.

    Threading: every method may be called from any thread.
    """

    def __init__(self, capacity: int | None = None):
        self.capacity = max_training_runs() if capacity is None else int(capacity)
        if self.capacity < 1:
            raise ValueError(f"capacity must be at least 1, got {capacity}.")
        self._condition = threading.Condition()
        self._waiting: deque[int] = deque()
        self._holders: dict[int, str] = {}
        self._tickets = itertools.count(1)

    def counts(self) -> tuple[int, int]:
        """``(training, queued)``: runs holding a slot and runs waiting for one."""
        with self._condition:
            return len(self._holders), len(self._waiting)

    def _position(self, ticket: int) -> int:
        """1 for the first in the queue (call with the lock held); 0 when not queued."""
        try:
            return self._waiting.index(ticket) + 1
        except ValueError:
            return 0

    def _may_start(self, ticket: int) -> bool:
        free = self.capacity - len(self._holders)
        return free > 0 and self._position(ticket) <= free

    @contextmanager
    def acquire(
        self,
        owner: str = "",
        *,
        stop_event: threading.Event | None = None,
        is_alive: Callable[[], bool] | None = None,
        on_position: Callable[[int], None] | None = None,
        poll_s: float = 0.2,
    ) -> Iterator[Slot]:
        """Wait for a slot in FIFO order, hold it for the ``with`` body, always release it.

        Args:
            owner: a label for the holder (e.g. the model's name), for counts and debugging.
            stop_event: set it to leave the queue (the student pressed stop).
            is_alive: returns False once the student has left; checked every ``poll_s`` while queued.
            on_position: called with the queue position (1 = next) whenever it changes, and with
                0 when the slot is granted. Keep it quick: it runs in the waiting thread.
            poll_s: how often a queued run checks ``stop_event`` and ``is_alive``.

        Yields:
            The held :class:`Slot`.

        Raises:
            WaitCancelled: stop was requested or the student left while queued (nothing is held).
        """
        ticket = next(self._tickets)
        last_position = None
        with self._condition:
            self._waiting.append(ticket)
        try:
            while True:
                with self._condition:
                    if self._may_start(ticket):
                        self._waiting.remove(ticket)
                        self._holders[ticket] = owner
                        self._condition.notify_all()
                        break
                    position = self._position(ticket)
                if position != last_position and on_position is not None:
                    on_position(position)
                last_position = position
                if (stop_event is not None and stop_event.is_set()) or (is_alive is not None and not is_alive()):
                    raise WaitCancelled("The run left the queue before it started.")
                with self._condition:
                    if not self._may_start(ticket):
                        self._condition.wait(timeout=poll_s)
        except BaseException:
            with self._condition:
                if ticket in self._waiting:
                    self._waiting.remove(ticket)
                self._condition.notify_all()
            raise
        try:
            if on_position is not None:
                on_position(0)
            yield Slot(ticket, owner)
        finally:
            with self._condition:
                self._holders.pop(ticket, None)
                self._condition.notify_all()


_SERVER_LIMITER: SlotLimiter | None = None
_SERVER_LIMITER_LOCK = threading.Lock()


def server_limiter() -> SlotLimiter:
    """The one limiter shared by every session of this server process (created on first use)."""
    global _SERVER_LIMITER
    with _SERVER_LIMITER_LOCK:
        if _SERVER_LIMITER is None:
            _SERVER_LIMITER = SlotLimiter()
        return _SERVER_LIMITER
