"""Cached loaders and session helpers for the page "Train your own CNN"."""

from __future__ import annotations

import streamlit as st

from cnnviz.ui.comparison import zoo_cards


@st.cache_data(show_spinner=False, ttl=600)
def playground_sweep() -> dict:
    """The precomputed sweep (models/sweep.json), read once per server (re-read every 10 min).

    Raises:
        cnnviz.playground.sweep.SweepUnavailable: missing or broken file (the message names the rebuild command).
    """
    from cnnviz.playground import sweep

    return sweep.load(sweep.DEFAULT_PATH)


def zoo_param_totals() -> dict[str, int]:
    """Parameter count of every zoo model whose card is readable, by name (missing ones left out)."""
    cards, _ = zoo_cards()
    return {name: int(card["params"]) for name, card in cards.items()}


def session_alive_check(grace_s: float = 30.0):
    """A function a background thread can call to learn whether this browser session still exists.

    It returns False once the session has been disconnected for more than ``grace_s`` seconds (a
    short network blip does not count). Outside a running server (AppTest) it always returns True.
    """
    import time

    from streamlit.runtime import Runtime
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    context = get_script_run_ctx()
    if context is None or not Runtime.exists():
        return lambda: True
    runtime, session_id = Runtime.instance(), context.session_id
    last_seen = [time.monotonic()]

    def alive() -> bool:
        now = time.monotonic()
        if runtime.is_active_session(session_id):
            last_seen[0] = now
            return True
        return now - last_seen[0] < grace_s

    return alive
