"""cnnviz.allocator: glibc's mmap threshold fixed, and passed on to the processes the server starts."""

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
