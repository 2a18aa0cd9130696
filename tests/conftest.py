"""Shared test set-up: offline MNIST for developers, the repository root on sys.path, and a Keras
cache holding a stand-in ImageNet class index."""

import os
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_MNIST = REPO_ROOT.parent / "shared" / "data" / "mnist.npz"

sys.path.insert(0, str(REPO_ROOT))

# A developer checkout sits beside ../shared/; use its offline MNIST unless told otherwise.
# A newcomer without it gets Keras' own download (internet, once).
if "CNNVIZ_MNIST" not in os.environ and SHARED_MNIST.is_file():
    os.environ["CNNVIZ_MNIST"] = str(SHARED_MNIST)

# Test servers and AppTests start cold: the background warm-up (cnnviz.ui.warmup) would spend the
# suite's CPU loading every model, and tests/test_warmup.py checks it on its own.
os.environ.setdefault("CNNVIZ_WARM_UP", "0")


# The browser fixtures live in browser_support; importing them here makes them one per test session
# (one server, one Chromium) for every browser test file.
from browser_support import browser, browser_page, streamlit_server  # noqa: E402,F401


@pytest.fixture(scope="session")
def mnist():
    """The real MNIST arrays, loaded once for the whole test session."""
    from cnnviz import data

    try:
        return data.load_mnist()
    except data.DatasetUnavailable as error:
        pytest.skip(f"MNIST unavailable here: {error}")


@pytest.fixture
def imagenet_home(tmp_path, monkeypatch):
    """``KERAS_HOME`` pointed at a fresh folder holding only a made-up ImageNet class index (a fresh
    clone has no real one). Returns the index, ``{class number: (wnid, label)}``."""
    from support import write_class_index

    home = tmp_path / "keras-home"
    index = write_class_index(home)
    monkeypatch.setenv("KERAS_HOME", str(home))
    return index
