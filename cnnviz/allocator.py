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

Only glibc (Linux) has it; anywhere else :func:`return_big_blocks` does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os

M_MMAP_THRESHOLD = -3  # mallopt's parameter number in glibc's malloc.h
THRESHOLD_BYTES = 32 * 2**20
ENV_VAR = "MALLOC_MMAP_THRESHOLD_"  # the same setting for processes started from this one (glibc reads it)

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
