"""Shared by the class tests that run real servers: a ``streamlit run app.py`` on a chosen class
database that can be killed and started again on the same port, protocol-level students and
teachers (``benchmarks/class_client.py``), and digits drawn the way the canvas sends them."""

from __future__ import annotations

import asyncio
import base64
import io
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs

import numpy as np
from PIL import Image

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "benchmarks"))
from class_client import ClassSession  # noqa: E402

COOKIE_PATTERN = re.compile(r'document\.cookie = "(cnnviz_[a-z]+)=([A-Za-z0-9_.\-]*);')


class Server:
    """``streamlit run app.py`` on ``port`` with ``environment``; :meth:`kill` is a crash (SIGKILL)."""

    def __init__(self, port: int, environment: dict[str, str], log_path: Path) -> None:
        self.port, self.environment, self.log_path = port, environment, log_path
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 90) -> "Server":
        with open(self.log_path, "a") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(self.port),
                 "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats",
                 "false", "--server.fileWatcherType", "none"],
                cwd=REPO_ROOT, env={**os.environ, **self.environment}, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"streamlit exited with {self.process.returncode}; see {self.log_path}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2):
                    return self
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"streamlit did not answer within {timeout_s} s; see {self.log_path}")

    def kill(self) -> None:
        """Kill the server and whatever it started, as a crash or a pulled plug would."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


def class_environment(database_url: str) -> dict[str, str]:
    """A server's environment: this class database, no warm-up, no wait between submissions."""
    return {"CNNVIZ_DATABASE_URL": database_url, "CNNVIZ_WARM_UP": "0", "TF_CPP_MIN_LOG_LEVEL": "2",
            "CNNVIZ_SECONDS_BETWEEN_SUBMISSIONS": "0"}


def canvas_data_url(digit: np.ndarray) -> str:
    """A (28, 28) uint8 MNIST digit drawn as the 280 x 280 canvas sends it: white strokes on black,
    as a PNG data URL."""
    picture = Image.fromarray(np.asarray(digit, np.uint8)).resize((280, 280), Image.BILINEAR).convert("RGBA")
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def cookies_written(session: ClassSession) -> dict[str, str]:
    """The cookies the app asked this "browser" to keep (what its hidden script would write)."""
    return dict(COOKIE_PATTERN.findall(session.text()))


def class_code(session: ClassSession) -> str:
    """The class code in the session's address bar."""
    return parse_qs(session.query_string)["class"][0]


def run(coroutine):
    """``asyncio.run(coroutine)`` in a thread of its own: the browser tests' Playwright keeps an event
    loop running in the test thread, where ``asyncio.run`` refuses to start another."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as worker:
        return worker.submit(asyncio.run, coroutine).result()


async def teacher_starts_a_class(url: str, page: str = "convolution") -> tuple[ClassSession, str, dict]:
    """A teacher's browser in presenter mode presses Start a class. Returns the session, the code
    and the cookies the app gave that browser."""
    teacher = ClassSession(url)
    await teacher.connect()
    await teacher.open(page, present="true")
    result = await teacher.press("class_start")
    assert result.status == "ok", result.errors
    written = cookies_written(teacher)
    result = await teacher.open(page, class_code=class_code(teacher), present="true")
    assert result.status == "ok", result.errors
    return teacher, class_code(teacher), written


async def student_joins(url: str, code: str, page: str = "convolution",
                        cookies: dict[str, str] | None = None) -> tuple[ClassSession, dict]:
    student = ClassSession(url, cookies=cookies)
    await student.connect()
    result = await student.open(page, class_code=code)
    assert result.status == "ok", result.errors
    return student, cookies_written(student)
