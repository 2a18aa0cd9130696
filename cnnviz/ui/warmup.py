"""Warm the server in the background when it starts serving, so the first students do not wait.

The first page a student opens starts one daemon thread per server process (``cache_resource``
makes it once). It fills the same caches the pages use, in the order a lesson needs them: MNIST,
TensorFlow and the zoo's networks, then every network's answers on the 10 000 test digits (the
MLP vs CNN page). It never draws anything, and a failure only leaves the cache cold: the page that
needs it then explains the problem itself.
"""

from __future__ import annotations

import logging
import os
import threading
import time

import streamlit as st

LOGGER = logging.getLogger(__name__)
THREAD_NAME = "cnnviz-warm-up"
SWITCH_VARIABLE = "CNNVIZ_WARM_UP"  # "0" keeps a server cold (tests that prove a page needs no TensorFlow)
FIRST_PAGE_HEAD_START_S = 1.0  # let the first student's page draw before TensorFlow's import takes the CPU


@st.cache_resource(show_spinner=False)
def start() -> threading.Thread | None:
    """Start the warm-up once per server process and return its thread (None when switched off)."""
    if os.environ.get(SWITCH_VARIABLE, "1") == "0":
        return None
    # Streamlit warns about every cached call made outside a script run; here that is the point.
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(
        lambda record: threading.current_thread().name != THREAD_NAME)
    # Plotly looks pandas up in sys.modules without the import lock, so a page drawn while this thread
    # is still importing pandas (TensorFlow's imports pull it in) would find it half made and fail
    # ("partially initialized module 'pandas'"). Import it here, before the thread starts.
    import pandas  # noqa: F401

    thread = threading.Thread(target=warm_caches, name=THREAD_NAME, daemon=True)
    thread.start()
    return thread


def warm_caches() -> None:
    """Load what the model pages share: MNIST, each zoo network and its test-set answers."""
    time.sleep(FIRST_PAGE_HEAD_START_S)
    from cnnviz import zoo
    from cnnviz.ui import comparison, mnist
    from cnnviz.ui.digits import zoo_model

    try:
        mnist()
        cards, _ = comparison.zoo_cards()
        for name, card in cards.items():  # lesson order: the MLP and the small CNNs first
            zoo_model(name)
            comparison.zoo_test_probabilities(name, card.get("date", ""))
    except (zoo.ModelUnavailable, OSError, ValueError) as error:  # the pages say what is missing
        LOGGER.warning("cnnviz warm-up stopped early: %s", error)
    except Exception:  # never take the server down from a background thread
        LOGGER.exception("cnnviz warm-up failed")
