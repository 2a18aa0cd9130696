"""Cached model cards and test-set predictions for the page "MLP vs CNN"."""

from __future__ import annotations

import numpy as np
import streamlit as st
from cnnviz.ui import mnist
from cnnviz.ui.digits import zoo_model

@st.cache_data(show_spinner=False, ttl=60)
def zoo_cards() -> tuple[dict[str, dict], dict[str, str]]:
    """Every readable zoo card by name, and for the others the message saying how to rebuild them.

    Cached for a minute (cards are small; a rebuilt model shows up without restarting the server).
    """
    from cnnviz import zoo

    cards, problems = {}, {}
    for name in zoo.names():
        try:
            cards[name] = zoo.card(name)
        except zoo.ModelUnavailable as error:
            problems[name] = str(error)
    return cards, problems


# Batches of 250, not 1000: the server keeps the memory a batch once needed (oneDNN's buffers, freed
# blocks the allocator does not give back). benchmarks/memory_parts.py: the warm-up of the six networks
# left 984 MB resident instead of 1469 MB, for 12.2 s instead of 9.8 s, once per server.
TEST_SET_BATCH = 250


@st.cache_data(show_spinner=False, max_entries=16)
def zoo_test_probabilities(name: str, card_date: str) -> np.ndarray:
    """Probabilities (10000, 10) of the zoo model ``name`` on the MNIST test set, computed once per
    server (a few seconds) and shared. ``card_date`` keys the cache to the trained version.

    Raises:
        cnnviz.zoo.ModelUnavailable: missing or broken model file (not cached).
    """
    from cnnviz import zoo

    _, (x_test, _) = mnist()
    return zoo.predict(name, zoo_model(name), x_test, batch_size=TEST_SET_BATCH)
