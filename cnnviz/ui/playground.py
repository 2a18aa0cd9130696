"""The page "Train your own CNN" minus its text and widgets: settings from a link, the comparison
tables, and the live run's life in the session (start, poll, record, hand the best model on)."""

from __future__ import annotations

import streamlit as st

from cnnviz.ui.comparison import zoo_cards
from cnnviz.ui.digits import PLAYGROUND_MODEL_KEY, PLAYGROUND_NAME_KEY

LIVE_KEY = "playground_live"  # this session's LiveRun (queued, training or ended)
RECORDED_KEY = "playground_live_recorded"  # whether that run is already in RUNS_KEY
RUNS_KEY = "playground_runs"  # the session's finished runs, as live.run_record rows
LINK_APPLIED_KEY = "playground_url_applied"


TAB_KEY = "playground_tab"
TABS = ("Architecture", "Measured accuracy", "Train it live", "Your runs")


def measured_accuracy(match, base: dict) -> None:
    """The sweep's answer for the student's settings, honestly: a headline number only when the sweep
    trained exactly these settings; otherwise which settings differ, and no headline.

    Args:
        match: ``sweep.lookup``'s result for the student's settings; base: the sweep's fixed settings.
    """
    cell = match.cell
    trained = (f"trained on {base['samples']:,} images for {base['epochs']} epochs ({cell['seconds']:.0f} s) "
               "and tested on the 10,000 test digits")
    if match.exact:
        left, right = st.columns([1, 2], vertical_alignment="center")
        left.metric("Measured accuracy", f"{cell['test_accuracy'] * 100:.2f}%")
        right.markdown(f"Measured, not guessed: exactly your settings were {trained}.")
        return
    st.markdown(
        f"**The grid was not trained with your settings**, so there is no measured number for them yet. The "
        f"nearest trained setting differs in {'; '.join(match.differences)}. The framed cell is that setting ({trained}); "
        "press **Train it live** to measure yours.")


@st.cache_data(show_spinner=False, ttl=600)
def playground_sweep() -> dict:
    """The precomputed sweep (models/sweep.json), read once per server (re-read every 10 min).

    Raises:
        cnnviz.playground.sweep.SweepUnavailable: missing or broken file (the message names the rebuild command).
    """
    from cnnviz.playground import sweep

    return sweep.load(sweep.DEFAULT_PATH)


def apply_link_settings() -> None:
    """Set the sliders from the URL (``?filters=16&dropout=0.5``) once per session, clamped to valid
    values, with a warning for each value that had to change. Widget keys are ``playground_<url key>``."""
    from cnnviz.playground.config import QUERY_KEYS, PlaygroundConfig

    if LINK_APPLIED_KEY in st.session_state:
        return
    st.session_state[LINK_APPLIED_KEY] = True
    from_url, notes = PlaygroundConfig.from_query_params(st.query_params.to_dict())
    for key, field_name in QUERY_KEYS.items():
        st.session_state[f"playground_{key}"] = getattr(from_url, field_name)
    for note in notes:
        st.warning(f"The link's settings were adjusted: {note}")


def finished_runs() -> list[dict]:
    """The session's finished runs, oldest first. A live run that has just ended is added once, and
    when it is the best so far its model becomes the session's playground model (used by the
    "Inside the CNN" and "Your digit" pages)."""
    from cnnviz.playground import live

    runs = st.session_state.setdefault(RUNS_KEY, [])
    run = st.session_state.get(LIVE_KEY)
    if run is None or run.snapshot().active or st.session_state.get(RECORDED_KEY):
        return runs
    st.session_state[RECORDED_KEY] = True
    record = live.run_record(run, len(runs) + 1)
    if record is not None:
        runs.append(record)
        if max(runs, key=lambda entry: entry["test_accuracy"]) is record:
            st.session_state[PLAYGROUND_MODEL_KEY] = run.model
            st.session_state[PLAYGROUND_NAME_KEY] = record["label"]
    return runs


def parameter_comparison(total: int) -> dict[str, list]:
    """Table columns: this network's parameter count beside every zoo model whose card is readable."""
    cards, _ = zoo_cards()
    totals = {name: int(card["params"]) for name, card in cards.items()}
    return {"network": ["your network", *totals], "parameters": [total, *totals.values()]}


def start_live_run(config) -> None:
    """Queue a live run of ``config`` for this session (trained in a worker process) and redraw."""
    from cnnviz.playground import live, slots

    st.session_state[LIVE_KEY] = live.LiveRun(config, slots.server_limiter(), is_alive=session_alive_check()).start()
    st.session_state[RECORDED_KEY] = False
    st.rerun()  # redraw without the Train button; the live panel then polls the run


def live_run():
    """This session's live run (a :class:`cnnviz.playground.live.LiveRun`), or None."""
    return st.session_state.get(LIVE_KEY)


def progress_message(state) -> None:
    """Show where a run stands: its place in the queue, a progress bar, its result, or why it ended."""
    from cnnviz.playground import slots

    if state.status == "queued":
        training_now, _ = slots.server_limiter().counts()
        st.info(f"Waiting for the server: you are **number {max(state.position, 1)}** in the queue "
                f"({training_now} run{'s' if training_now != 1 else ''} training now). Meanwhile, explore the "
                "measured accuracy tab or the other pages; your place is kept.")
    elif state.status == "starting":
        st.progress(state.fraction, text="Starting: loading TensorFlow, the training images and your network "
                                         "(a few seconds)...")
    elif state.status == "testing":
        st.progress(state.fraction, text="Testing on the 10,000 test digits...")
    elif state.active:
        accuracy = state.logs.get("accuracy")
        st.progress(state.fraction, text=f"Epoch {state.epoch} of {state.epochs}, batch {state.batch} of "
                                         f"{state.batches}" + (f"; training accuracy so far {accuracy:.1%}"
                                                               if accuracy is not None else ""))
    elif state.status == "finished":
        st.success(f"Test accuracy: **{state.test_accuracy:.2%}** on the 10,000 test digits ({state.seconds:.0f} s).")
    else:
        (st.error if state.status == "failed" else st.warning)(state.message)


def poll_seconds() -> float | None:
    """How often the live panel re-runs: every second while training, every 3 s while queued
    (each poll is a script run), never once the run has ended."""
    run = live_run()
    if run is None or not run.snapshot().active:
        return None
    return 3.0 if run.snapshot().status == "queued" else 1.0


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
