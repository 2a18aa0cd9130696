"""A small thread-safe cache bounded in bytes, not entries, that computes each key once at a time.

Streamlit's caches count entries (``max_entries``). That is the right bound when entries are alike,
and the wrong one when they are not: a decoded phone photo weighs megabytes, a digit's ten
probabilities a few hundred bytes. :class:`ByteCache` keeps the most recently used entries whose
measured sizes (:func:`size_of`) add up to at most ``max_bytes``, and lets one thread compute a
missing key while the others asking for the same key wait for its result (thirty students opening
the same photo cost one computation). An entry larger than the whole budget is returned but not
kept. A failed computation is not kept either: the next caller tries again.

No Streamlit here; ``cnnviz.ui.heavy`` puts it behind a decorator.
"""

from __future__ import annotations

import sys
import threading
from collections import OrderedDict
from typing import Any, Callable, Hashable

import numpy as np


def size_of(value: Any) -> int:
    """About how many bytes ``value`` holds: numpy arrays by ``nbytes``, Pillow images by their
    pixels, pandas frames by ``memory_usage(deep=True)``, Plotly figures by their spec, and
    containers and plain objects by walking them (each object counted once)."""
    return _size(value, set())


def _size(value: Any, seen: set[int]) -> int:
    if id(value) in seen:
        return 0
    seen.add(id(value))
    if isinstance(value, np.ndarray):  # a view keeps its whole base alive
        return _size(value.base, seen) if isinstance(value.base, np.ndarray) else int(value.nbytes)
    if isinstance(value, (bytes, bytearray, str, int, float, bool, complex)) or value is None:
        return sys.getsizeof(value)
    if isinstance(value, memoryview):
        return value.nbytes
    if isinstance(value, dict):
        return sys.getsizeof(value) + sum(_size(key, seen) + _size(item, seen) for key, item in value.items())
    if isinstance(value, (list, tuple, set, frozenset)):
        return sys.getsizeof(value) + sum(_size(item, seen) for item in value)
    kind = type(value)
    module = kind.__module__ or ""
    if module.startswith("PIL."):  # an Image: its pixels (width x height x bytes per pixel)
        return value.width * value.height * max(1, len(value.getbands())) * (4 if value.mode in ("I", "F") else 1)
    if module.startswith("pandas."):
        usage = getattr(value, "memory_usage", None)
        if usage is not None:
            total = usage(deep=True)
            return int(total.sum() if hasattr(total, "sum") else total)
    if hasattr(value, "to_dict") and module.startswith(("plotly.", "cnnviz.")):  # a (prepared) Plotly figure
        return sys.getsizeof(value) + _size(value.to_dict(), seen)
    attributes = getattr(value, "__dict__", None)
    return sys.getsizeof(value) + (_size(attributes, seen) if attributes is not None else 0)


class _Pending:
    """A computation in progress: others asking for its key wait for ``done``."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.failed = False
        self.value: Any = None


class ByteCache:
    """A least-recently-used cache whose entries add up to at most ``max_bytes`` (by :func:`size_of`).

    Args:
        max_bytes: the budget; 0 keeps nothing (every call computes, concurrent calls still share).
        measure: how an entry's size is taken (default :func:`size_of`).

    Threading: every method may be called from any thread.
    """

    def __init__(self, max_bytes: int, measure: Callable[[Any], int] = size_of) -> None:
        if max_bytes < 0:
            raise ValueError(f"max_bytes must be 0 or more, got {max_bytes}.")
        self.max_bytes = int(max_bytes)
        self._measure = measure
        self._lock = threading.Lock()
        self._entries: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._pending: dict[Hashable, _Pending] = {}
        self.bytes = 0
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._entries

    def get_or_compute(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """The value kept for ``key``, else ``compute()``'s (kept if it fits).

        While one thread computes a key, others asking for it wait and get the same result; if the
        computation raises, the exception goes to its caller and a waiting thread computes anew.
        """
        while True:
            with self._lock:
                if key in self._entries:
                    self._entries.move_to_end(key)
                    self.hits += 1
                    return self._entries[key][0]
                pending = self._pending.get(key)
                owner = pending is None
                if owner:
                    pending = self._pending[key] = _Pending()
                    self.misses += 1
            if not owner:
                pending.done.wait()
                if not pending.failed:
                    return pending.value
                continue  # its computation failed: try it ourselves
            try:
                value = compute()
            except BaseException:
                with self._lock:
                    del self._pending[key]
                pending.failed = True
                pending.done.set()
                raise
            size = self._measure(value)
            with self._lock:
                del self._pending[key]
                if size <= self.max_bytes:
                    self._entries[key] = (value, size)
                    self.bytes += size
                    while self.bytes > self.max_bytes:
                        _, (_, evicted_size) = self._entries.popitem(last=False)
                        self.bytes -= evicted_size
            pending.value = value
            pending.done.set()
            return value

    def clear(self) -> None:
        """Forget every entry (computations in progress finish and are kept)."""
        with self._lock:
            self._entries.clear()
            self.bytes = 0

    def stats(self) -> dict:
        """``{"entries", "bytes", "max_bytes", "hits", "misses"}`` now."""
        with self._lock:
            return {"entries": len(self._entries), "bytes": self.bytes, "max_bytes": self.max_bytes,
                    "hits": self.hits, "misses": self.misses}
