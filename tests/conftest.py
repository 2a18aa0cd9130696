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


@pytest.fixture(scope="session")
def mnist():
    """The real MNIST arrays, loaded once for the whole test session."""
    from cnnviz import data

    try:
        return data.load_mnist()
    except data.DatasetUnavailable as error:
        pytest.skip(f"MNIST unavailable here: {error}")


# TEMPORARY (removed when pages/ is renamed): a folder literally named pages/ makes AppTest run
# pages as legacy v1 pages, skipping the router. Pretend st.navigation has already run.
from streamlit.runtime.pages_manager import PagesManager  # noqa: E402

_original_init = PagesManager.__init__


def _init_without_pages_directory(self, *args, **kwargs):
    _original_init(self, *args, **kwargs)
    PagesManager.uses_pages_directory = False


PagesManager.__init__ = _init_without_pages_directory
