"""cnnviz.allocator: glibc's mmap threshold fixed, and passed on to the processes the server starts."""

import os
import platform
import subprocess
import sys

import pytest

SCRIPT = """
import os
from cnnviz import allocator
first = allocator.return_big_blocks()
second = allocator.return_big_blocks(1)  # a later call changes nothing
print(first, second, os.environ[allocator.ENV_VAR], allocator.THRESHOLD_BYTES)
"""


@pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc only")
def test_glibc_takes_the_threshold_once_and_passes_it_on():
    output = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True).stdout
    first, second, passed_on, default = output.split()
    assert (first, second) == ("True", "True") and passed_on == default


def test_a_threshold_already_in_the_environment_is_kept(monkeypatch):
    monkeypatch.setenv("MALLOC_MMAP_THRESHOLD_", "1048576")
    code = "import os; from cnnviz import allocator; allocator.return_big_blocks(); print(os.environ[allocator.ENV_VAR])"
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert output.strip() == "1048576"


HEAP_HOLES = """
import os, sys, time
import psutil
from cnnviz import allocator
allocator.return_big_blocks()
started = allocator.keep_trimming({every})
blocks = [bytearray(100_000) for _ in range(2000)]  # 200 MB inside the heap (under the mmap threshold)
pinned = bytearray(100_000)  # allocated last: the heap's top stays in use, so glibc cannot shrink it by itself
del blocks
before = psutil.Process().memory_info().rss
{then}
after = psutil.Process().memory_info().rss
print(started, (before - after) // 2**20)
"""


def heap_holes(every: str, then: str) -> tuple[str, int]:
    """(whether a trimmer started, MB handed back) in a fresh process with 200 MB of freed heap blocks."""
    code = HEAP_HOLES.format(every=every, then=then)
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            env={**os.environ, "CNNVIZ_TRIM_EVERY_S": every}).stdout
    started, released = output.split()
    return started, int(released)


@pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc only")
def test_free_pages_inside_the_heap_go_back_to_the_system():
    assert heap_holes("0", "allocator.trim()")[1] >= 150  # asked once, by hand
    started, released = heap_holes("0", "time.sleep(0.5)")  # switched off: nothing starts, little goes back
    assert started == "False" and released < 50
    started, released = heap_holes("0.1", "time.sleep(0.5)")  # the trimmer's thread does it by itself
    assert started == "True" and released >= 150
