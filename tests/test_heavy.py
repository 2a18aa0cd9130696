"""Heavy work a few at a time (cnnviz.ui.heavy) and the byte-bounded cache behind it (cnnviz.bytecache)."""

import sys
import threading
import time

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from support import until

from cnnviz import bytecache
from cnnviz.bytecache import ByteCache, size_of
from cnnviz.playground.slots import SlotLimiter
from cnnviz.ui import heavy

MB = 2**20


# ----------------------------------------------------------------------------- sizes


def test_sizes_count_what_the_entries_hold():
    assert size_of(np.zeros((100, 100), np.float32)) == 40_000
    assert size_of(np.zeros((1000, 10), np.float32)[:10]) == 40_000, "a view keeps its whole base alive"
    assert size_of(Image.new("RGB", (2016, 1512))) == 2016 * 1512 * 3
    assert size_of(b"x" * 100_000) >= 100_000
    frame = pd.DataFrame({"a": np.arange(1000, dtype=np.int64)})
    assert size_of(frame) >= 8000
    shared = np.zeros(1000, np.uint8)
    assert size_of([shared, shared, {"again": shared}]) < 2 * 1000, "an object held twice is counted once"


def test_a_prepared_figure_is_measured_by_its_spec():
    import plotly.graph_objects as go

    from cnnviz import ui

    small = ui.prepared(go.Figure(go.Bar(y=[1, 2, 3])))
    large = ui.prepared(go.Figure(go.Heatmap(z=np.random.default_rng(0).random((100, 100)).tolist())))
    assert size_of(large) > 100 * 100 * 8, "10 000 numbers take at least 8 bytes each"
    assert size_of(small) < 50_000  # mostly its layout template


# ----------------------------------------------------------------------------- the cache


def test_entries_are_kept_by_bytes_least_recently_used_out_first():
    cache = ByteCache(max_bytes=3 * MB, measure=lambda value: value.nbytes)
    make = lambda megabytes: (lambda: np.zeros(megabytes * MB, np.uint8))  # noqa: E731
    cache.get_or_compute("a", make(1))
    cache.get_or_compute("b", make(1))
    cache.get_or_compute("a", make(1))  # a is now the most recently used
    cache.get_or_compute("c", make(2))  # 4 MB: b goes
    assert "a" in cache and "c" in cache and "b" not in cache
    assert cache.bytes == 3 * MB
    cache.get_or_compute("huge", make(5))  # larger than the budget: returned, never kept
    assert "huge" not in cache and cache.bytes == 3 * MB
    assert cache.stats()["hits"] == 1


def test_a_key_is_computed_once_while_others_wait_for_it():
    cache = ByteCache(max_bytes=MB)
    calls, started, release = [], threading.Event(), threading.Event()

    def compute():
        calls.append(1)
        started.set()
        release.wait(5)
        return "value"

    results = []
    threads = [threading.Thread(target=lambda: results.append(cache.get_or_compute("k", compute)))
               for _ in range(8)]
    for thread in threads:
        thread.start()
    assert started.wait(5)
    time.sleep(0.05)
    release.set()
    for thread in threads:
        thread.join(5)
    assert calls == [1] and results == ["value"] * 8


def test_a_failed_computation_is_not_kept_and_the_next_caller_tries_again():
    cache = ByteCache(max_bytes=MB)
    with pytest.raises(ValueError):
        cache.get_or_compute("k", lambda: (_ for _ in ()).throw(ValueError("bad photo")))
    assert "k" not in cache
    assert cache.get_or_compute("k", lambda: 42) == 42


# ----------------------------------------------------------------------------- the limiter


def test_never_more_than_the_limit_inside_at_once():
    limiter = SlotLimiter(capacity=2)
    inside, most, lock = [0], [0], threading.Lock()

    def work():
        with heavy.turn(limiter, show=lambda text: None):
            with lock:
                inside[0] += 1
                most[0] = max(most[0], inside[0])
            time.sleep(0.02)
            with lock:
                inside[0] -= 1

    threads = [threading.Thread(target=work) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert most[0] == 2 and inside[0] == 0
    assert limiter.counts() == (0, 0)


def test_the_waiting_line_shows_only_while_waiting():
    limiter = SlotLimiter(capacity=1)
    shown_free = []
    with heavy.turn(limiter, show=shown_free.append):
        pass
    assert shown_free == [], "a free turn shows nothing"

    holding, let_go = threading.Event(), threading.Event()

    def hold():
        with heavy.turn(limiter, show=lambda text: None):
            holding.set()
            let_go.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    assert holding.wait(5)
    shown, inside = [], threading.Event()

    def wait_for_a_turn():
        with heavy.turn(limiter, show=shown.append):
            inside.set()

    waiter = threading.Thread(target=wait_for_a_turn)
    waiter.start()
    assert until(lambda: shown, timeout=5)
    assert "Waiting for the server: 1 student ahead of you" in shown[0]
    assert not inside.is_set()
    let_go.set()
    assert inside.wait(5)
    waiter.join(5)
    holder.join(5)
    assert shown[-1] is None, "the line goes once the turn has come"


def test_a_turn_inside_a_turn_does_not_queue_again():
    limiter = SlotLimiter(capacity=1)
    with heavy.turn(limiter, show=lambda text: None):
        with heavy.turn(limiter, show=lambda text: None):
            assert limiter.counts() == (1, 0)


def test_the_waiting_line_counts_students():
    assert "1 student ahead" in heavy.waiting_line(1)
    assert "3 students ahead" in heavy.waiting_line(3)


# ----------------------------------------------------------------------------- the decorator


def test_cached_keys_by_content_leaves_out_underscored_arguments_and_bounds_bytes(monkeypatch):
    calls = []

    @heavy.cached(max_mb=1, limited=False)
    def build(name: str, image: np.ndarray, _payload: bytes) -> np.ndarray:
        calls.append(name)
        return np.zeros(400_000, np.uint8)  # 0.38 MB: two fit in 1 MB, three do not

    digit = np.ones((28, 28), np.float32)
    first = build("a", digit, b"ignored")
    assert build("a", digit.copy(), b"other bytes") is first, "the same content is one entry"
    build("b", digit, b"")
    build("c", digit, b"")
    build("a", digit, b"")
    assert calls == ["a", "b", "c", "a"], "the oldest entry went when the budget was full"
    assert build.store().stats()["bytes"] <= MB
    with pytest.raises(TypeError, match="leading underscore"):
        build("a", object(), b"")


@pytest.mark.parametrize("setting, scale", [(None, 1.0), ("0.25", 0.25), ("2", 2.0), ("0", 1.0), ("-1", 1.0),
                                            ("lots", 1.0)])
def test_cache_budgets_scale_with_the_servers_setting(monkeypatch, setting, scale):
    if setting is None:
        monkeypatch.delenv(heavy.CACHE_SCALE_ENV_VAR, raising=False)
    else:
        monkeypatch.setenv(heavy.CACHE_SCALE_ENV_VAR, setting)
    assert heavy.cache_scale() == scale

    @heavy.cached(max_mb=4, limited=False)
    def build(name: str) -> np.ndarray:
        return np.zeros(1000, np.uint8)

    build("a")
    assert build.store().stats()["max_bytes"] == int(4 * scale * MB)


def test_cached_takes_a_turn_only_on_a_miss(monkeypatch):
    limiter = SlotLimiter(capacity=1)
    monkeypatch.setattr(heavy, "server_limiter", lambda: limiter)
    seen = []

    @heavy.cached(max_mb=1)
    def analyse(key: str) -> str:
        seen.append(limiter.counts())
        return key.upper()

    assert analyse("x") == "X"
    assert seen == [(1, 0)], "a miss computes inside a turn"
    with heavy.turn(limiter, show=lambda text: None):  # every turn taken: a hit must not wait
        done = []
        thread = threading.Thread(target=lambda: done.append(analyse("x")))
        thread.start()
        thread.join(2)
        assert done == ["X"]


def test_the_server_limit_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv(heavy.AT_ONCE_ENV_VAR, "3")
    assert heavy.at_once() == 3
    monkeypatch.setenv(heavy.AT_ONCE_ENV_VAR, "0")
    with pytest.raises(ValueError, match="at least 1"):
        heavy.at_once()
    monkeypatch.delenv(heavy.AT_ONCE_ENV_VAR)
    assert heavy.at_once() == heavy.DEFAULT_AT_ONCE


def test_bytecache_imports_no_streamlit():
    import subprocess
    import sys

    code = "import sys, cnnviz.bytecache; print('streamlit' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                            cwd=bytecache.__file__.rsplit("/cnnviz/", 1)[0])
    assert result.stdout.strip() == "False", result.stderr


OWN_SCRIPT = """
import sys
sys.path.insert(0, {apps!r})
import streamlit as st
from own_cache_app import build

first = build("photo", _own=True)
again = build("photo", _own=True)
st.write("same object" if first is again else "computed twice")
from streamlit.runtime.scriptrunner import get_script_run_ctx
st.write(get_script_run_ctx().session_id)
"""


def test_a_students_own_call_stays_in_that_session_and_out_of_the_servers_cache():
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    apps = str(Path(__file__).resolve().parent / "apps")
    sys.path.insert(0, apps)
    import own_cache_app

    own_cache_app.CALLS.clear()
    own_cache_app.build.store().clear()
    first_student = AppTest.from_string(OWN_SCRIPT.format(apps=apps)).run()
    assert not first_student.exception
    assert first_student.markdown[0].value == "same object", "a second call in the same run is a hit"
    assert own_cache_app.CALLS == ["photo"]
    first_student.run()
    assert own_cache_app.CALLS == ["photo"], "the student's next run still has it"

    assert own_cache_app.build.store().stats()["entries"] == 0, "nothing of it went into the server's cache"

    # The tab closes: Streamlit clears the session's own caches (AppSession.clear_session_caches). Every
    # AppTest has the same session id, so this stands in for the next student too.
    from streamlit.runtime import caching

    caching.clear_session_resource_cache(first_student.markdown[1].value)
    AppTest.from_string(OWN_SCRIPT.format(apps=apps)).run()
    assert own_cache_app.CALLS == ["photo", "photo"], "gone with the session that had it"

    own_cache_app.build("shared")
    own_cache_app.build("shared")
    assert own_cache_app.CALLS == ["photo", "photo", "shared"], "a call that is not own: once, for everyone"
    assert own_cache_app.build.store().stats()["entries"] == 1

    own_cache_app.build("outside a page", _own=True)  # no session (a test, the warm-up): computed, not kept
    own_cache_app.build("outside a page", _own=True)
    assert own_cache_app.CALLS[-2:] == ["outside a page", "outside a page"]


PAGES_OWN_SCRIPT = """
import io
import numpy as np
import streamlit as st
from PIL import Image, ImageDraw
from cnnviz.ui import digits as digits_ui
from cnnviz.ui import xception as xception_ui

def jpeg(colour):
    buffer = io.BytesIO()
    Image.new("RGB", (400, 300), colour).save(buffer, format="JPEG")
    return buffer.getvalue()

digit = Image.new("L", (200, 200), 255)
ImageDraw.Draw(digit).line([(100, 30), (100, 170)], fill=0, width=18)  # a 1 in thick marker on paper
buffer = io.BytesIO()
digit.save(buffer, format="PNG")
pictures = digits_ui.digit_step_pictures(buffer.getvalue(), None, 120)
st.markdown(" ".join([str(len(pictures)), *(Image.open(io.BytesIO(picture)).format for picture in pictures)]))
own = xception_ui.preparation("own photo", jpeg("red"), "crop", False, _own=True)
sample = xception_ui.preparation("sample photo", jpeg("blue"), "crop", False)
st.markdown(f"{own['size']} {sample['size']}")
"""


def test_the_pages_keep_a_students_own_photo_and_digit_pictures_in_the_session_only():
    """Your digit's step pictures and Xception's preparation of an upload stay out of the server's
    caches (a school day of uploads would otherwise fill them); a sample photo's goes into it."""
    from streamlit.testing.v1 import AppTest

    from cnnviz.ui import digits as digits_ui
    from cnnviz.ui import xception as xception_ui

    xception_ui.preparation.store().clear()
    student = AppTest.from_string(PAGES_OWN_SCRIPT).run(timeout=60)
    assert not student.exception, student.exception
    assert student.markdown[0].value.split() == ["7", *["PNG"] * 7], "seven steps, each a PNG"
    assert student.markdown[1].value.split() == ["(400,", "300)", "(400,", "300)"]
    assert digits_ui.digit_step_pictures.store().stats()["entries"] == 0
    assert xception_ui.preparation.store().stats()["entries"] == 1, "the sample's, not the upload's"
