"""Give big freed blocks back to the system: glibc's ``M_MMAP_THRESHOLD`` fixed at 32 MB.

glibc's malloc serves a large request from its heaps once an equally large block has been freed
(its mmap threshold rises, up to 32 MB), and a heap rarely shrinks. Big buffers (a decoded
12-megapixel photo is 36 MB) then stay resident after the work that needed them. With the
threshold fixed, every block of 32 MB or more is its own mapping, returned as soon as it is freed.

Why 32 MB and not lower: benchmarks/memory_parts.py, 5 photos analysed 2 at a time, measured 4 MB
at 1,430 MB resident instead of 1,654 MB; but every smaller buffer then costs a fresh mapping and
its page faults, and ``benchmarks/load.py 30`` took 22.1 s instead of 17.5 s (worst p95 2.95 s
instead of 2.20 s). ``benchmarks/memory.py``, 6 rounds each in one run: 4 MB peaked at 1,639 MB and
ended at 1,574 MB, 32 MB at 1,705 MB and 1,587 MB. ``MALLOC_MMAP_THRESHOLD_`` set in the
environment wins.

Freed blocks under 32 MB stay in glibc's heaps (one per thread that allocated: Streamlit runs every
script run on a thread of its own), and a heap only shrinks from its top. :func:`keep_trimming` asks
glibc every few seconds to hand the free pages inside every heap back (``malloc_trim(0)``), so the
server's resident memory follows what it holds rather than the most it ever held at once.

Only glibc (Linux) has them; anywhere else these functions do nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import threading

M_MMAP_THRESHOLD = -3  # mallopt's parameter number in glibc's malloc.h
THRESHOLD_BYTES = 32 * 2**20
ENV_VAR = "MALLOC_MMAP_THRESHOLD_"  # the same setting for processes started from this one (glibc reads it)
TRIM_EVERY_S = 5.0
TRIM_ENV_VAR = "CNNVIZ_TRIM_EVERY_S"  # seconds between trims; 0 switches trimming off

_done: list[bool] = []


def return_big_blocks(threshold_bytes: int = THRESHOLD_BYTES) -> bool:
    """Fix this process's mmap threshold (once; later calls do nothing) and pass it on to the
    processes it starts (a live training run's worker). A threshold already set in
    ``MALLOC_MMAP_THRESHOLD_`` wins over ``threshold_bytes``. Returns whether glibc took it."""
    if _done:
        return _done[0]
    try:
        threshold_bytes = int(os.environ.setdefault(ENV_VAR, str(threshold_bytes)))
    except ValueError:  # not a number: glibc ignores it too; use ours
        os.environ[ENV_VAR] = str(threshold_bytes)
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        taken = bool(libc.mallopt(M_MMAP_THRESHOLD, int(threshold_bytes)))
    except (OSError, AttributeError):  # not glibc: macOS, Windows, musl without mallopt
        taken = False
    _done.append(taken)
    return taken


def _libc():
    """glibc as a ctypes library, or None where there is no ``malloc_trim`` (macOS, Windows, musl)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc if hasattr(libc, "malloc_trim") else None
    except OSError:
        return None


def trim() -> bool:
    """Hand the free pages inside every heap back to the system now; True when glibc released some."""
    libc = _libc()
    return bool(libc and libc.malloc_trim(0))


_trimmer: list[threading.Thread] = []


def keep_trimming(every_s: float | None = None) -> bool:
    """Start (once per process) a daemon thread that calls :func:`trim` every ``every_s`` seconds.

    ``CNNVIZ_TRIM_EVERY_S`` wins over ``every_s`` (default :data:`TRIM_EVERY_S`); 0 or less, or no
    glibc, starts nothing. Returns whether a trimmer runs in this process.
    """
    if _trimmer:
        return True
    try:
        every_s = float(os.environ.get(TRIM_ENV_VAR, every_s if every_s is not None else TRIM_EVERY_S))
    except ValueError:
        every_s = TRIM_EVERY_S
    libc = _libc()
    if every_s <= 0 or libc is None:
        return False
    stop = threading.Event()

    def run() -> None:
        while not stop.wait(every_s):
            libc.malloc_trim(0)

    thread = threading.Thread(target=run, name="cnnviz-malloc-trim", daemon=True)
    thread.start()
    _trimmer.append(thread)
    return True
