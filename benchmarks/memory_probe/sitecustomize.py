"""What a server holds from inside it, for ``benchmarks/memory.py --probe``: never loaded by the app.

``memory.py`` puts this folder first on the server's ``PYTHONPATH``, so Python imports this file at
start-up (``sitecustomize``). It starts one daemon thread that, every ``CNNVIZ_PROBE_SECONDS`` (5),
appends a JSON line to the file named by ``CNNVIZ_PROBE_FILE``:

- ``malloc_in_use_mb`` / ``malloc_free_mb`` / ``malloc_mmapped_mb``: glibc's ``mallinfo2`` over all
  its arenas (bytes handed out, bytes free inside the heaps, bytes in their own mappings). TensorFlow's
  CPU tensors come from the same malloc, so a growing "in use" is live memory, a growing "free" is
  fragmentation;
- ``python_objects`` (census lines only): how many objects Python's collector tracks (a leak of
  Python objects grows it). Only on request, never every few seconds: ``gc.get_objects()`` also hands
  out tuples another thread is still building with ``tuple(iterable)``, whose last resize then fails
  (``SystemError: Objects/tupleobject.c:927: bad argument to internal function``). Taken every 5 s it
  broke a page's TensorFlow import, a compiled call and the warm-up in two of this probe's 20-round
  runs, and the run's memory with them;
- ``heavy``: each byte-sized cache of ``cnnviz.ui.heavy`` (entries and bytes), once the app imported it;
- ``resource_caches``: entries in each ``st.cache_resource`` function's cache;
- ``object_types``: only on request, after a full collection: the 25 commonest kinds of object
  Python's collector tracks (by module and name) and a few that tell whether sessions stay alive
  (:data:`ALWAYS_COUNTED`), with their counts. A census takes a few tenths of a second of the server's
  time. ``memory.py`` asks for one at the end of a round by creating ``<probe file>.census``; the
  probe answers with a line that has ``"census": true`` and removes the request.
"""

from __future__ import annotations

import collections
import ctypes
import gc
import json
import os
import sys
import threading
import time


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks",
                 "keepcost")]


def _mallinfo() -> dict:
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallinfo2.restype = _MallInfo2
        info = libc.mallinfo2()
    except (OSError, AttributeError):
        return {}
    return {"malloc_in_use_mb": info.uordblks / 2**20, "malloc_free_mb": info.fordblks / 2**20,
            "malloc_mmapped_mb": info.hblkhd / 2**20}


def _resource_caches() -> dict:
    module = sys.modules.get("streamlit.runtime.caching.cache_resource_api")
    if module is None:
        return {}
    # {session id, or None for the server-wide ones: {key: cache}}
    by_scope = getattr(getattr(module, "_resource_caches", None), "_function_caches", {})
    counts = {}
    for scope, caches in list(by_scope.items()):
        for cache in list(caches.values()):
            name = getattr(cache, "display_name", "?").rsplit(".", 1)[-1]
            name += "" if scope is None else " (per session)"
            counts[name] = counts.get(name, 0) + len(getattr(cache, "_mem_cache", {}))
    counts["sessions with their own caches"] = sum(scope is not None for scope in by_scope)
    return counts


ALWAYS_COUNTED = {"AppSession", "SessionState", "ScriptRunner", "WStates", "PreparedFigure", "Figure"}


def _census() -> dict[str, int]:
    gc.collect()  # garbage waiting for the collector is not memory the server keeps
    kinds = collections.Counter(f"{type(thing).__module__}.{type(thing).__qualname__}" for thing in gc.get_objects())
    chosen = dict(kinds.most_common(25))
    chosen.update({kind: count for kind, count in kinds.items() if kind.rsplit(".", 1)[-1] in ALWAYS_COUNTED})
    return chosen


def _sample(census: bool) -> dict:
    heavy = sys.modules.get("cnnviz.ui.heavy")
    sample = {"time": time.time(), **_mallinfo(),
              "heavy": heavy.stats() if heavy is not None else {}, "resource_caches": _resource_caches()}
    if census:  # gc.get_objects() only here, on request at a round's end: see the module docstring
        sample["python_objects"] = len(gc.get_objects())
        sample["object_types"] = _census()
        sample["census"] = True
    return sample


def _keep_writing(path: str, seconds: float) -> None:
    request = path + ".census"
    next_line = time.monotonic() + seconds
    while True:
        time.sleep(0.25)
        census = os.path.exists(request)
        if not census and time.monotonic() < next_line:
            continue
        next_line = time.monotonic() + seconds
        try:
            line = json.dumps(_sample(census), default=str)
        except Exception as error:  # a cache changing under us: the next line will tell
            line = json.dumps({"time": time.time(), "error": repr(error)})
        finally:
            if census:  # answered, or failed: either way memory.py stops waiting for it
                os.remove(request)
        with open(path, "a") as file:
            file.write(line + "\n")


if os.environ.get("CNNVIZ_PROBE_FILE"):  # taken out of the environment: the training worker must not write too
    threading.Thread(target=_keep_writing, name="cnnviz-memory-probe", daemon=True,
                     args=(os.environ.pop("CNNVIZ_PROBE_FILE"),
                           float(os.environ.get("CNNVIZ_PROBE_SECONDS", "5")))).start()
