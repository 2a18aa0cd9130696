"""Process plumbing for the loopback replicas: a free port, and stopping whole process groups."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on right now (another program may still take it before us)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def stop_process_groups(processes: list[subprocess.Popen], timeout_s: float) -> None:
    """SIGTERM each process's group, then SIGKILL the groups that outlive ``timeout_s``.

    Each process was started as a group leader, so its group is exactly it and what it spawned
    (a server's live-training workers); nothing else is signalled.
    """
    for process in processes:
        if process.poll() is None:
            _signal_group(process, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _signal_group(process, signal.SIGKILL)
            process.wait()


def _signal_group(process: subprocess.Popen, signal_number: int) -> None:
    try:
        os.killpg(process.pid, signal_number)
    except (ProcessLookupError, PermissionError):
        pass
