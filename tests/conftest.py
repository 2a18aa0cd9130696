"""Shared test set-up: offline MNIST for developers, and the repository root on sys.path."""

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

