"""Page "Train your own CNN": sliders -> layer table at once, the sweep's measured answer at once,
and a live training run (queued server-wide, trained in a worker process) with progress and a stop button."""

import streamlit as st

from cnnviz.playground import config as settings
from cnnviz.playground import figures as playground_figures
from cnnviz.playground import live as live_run
from cnnviz.playground import network as playground
from cnnviz.playground import run as playground_run
from cnnviz.playground import slots, sweep
from cnnviz import ui
from cnnviz.playground.config import PlaygroundConfig
from cnnviz.ui import playground as playground_ui
from cnnviz.ui.digits import PLAYGROUND_MODEL_KEY, PLAYGROUND_NAME_KEY

present = ui.presenter()
limiter = slots.server_limiter()

st.title("Train your own CNN")
st.markdown(
    "Change the network with the sliders. The **layer table** and the **expected accuracy** (measured "
    "beforehand for a grid of settings) update at once; press **Train** to train your own network on "
    "real MNIST digits and compare your runs."
)

# Settings in the URL (?filters=16&dropout=0.5) are applied once per session, clamped to valid values.
if "playground_url_applied" not in st.session_state:
    st.session_state["playground_url_applied"] = True
    from_url, url_notes = PlaygroundConfig.from_query_params(st.query_params.to_dict())
    for key, field_name in settings.QUERY_KEYS.items():  # widget keys are playground_<url key>
        st.session_state[f"playground_{key}"] = getattr(from_url, field_name)
    for note in url_notes:
        st.warning(f"The link's settings were adjusted: {note}")

controls, results = st.columns([1, 2.4], gap="medium")
with controls:
    st.subheader("The network")
    blocks = st.slider("Conv blocks (conv + pooling)", 1, 3, key="playground_blocks")
    filters = st.select_slider("Filters per conv layer", settings.FILTER_CHOICES, key="playground_filters")
    kernel = st.segmented_control("Kernel size", settings.KERNEL_CHOICES, key="playground_kernel",
                                  format_func=lambda size: f"{size} x {size}", required=True)
    pooling = st.toggle("Max pooling (2x2)", key="playground_pool")
    dropout = st.slider("Dropout rate", 0.0, 0.7, step=0.05, key="playground_dropout")
    dense = st.select_slider("Neurons in the dense layer", settings.DENSE_CHOICES, key="playground_dense")
    st.subheader("The training")
    optimizer = st.selectbox("Optimizer", settings.OPTIMIZERS, key="playground_optimizer")
    epochs = st.slider("Epochs", 1, 20, key="playground_epochs")
    batch = st.select_slider("Batch size", settings.BATCH_CHOICES, key="playground_batch")
    samples = st.select_slider("Training images", settings.SAMPLE_CHOICES, key="playground_samples",
                               format_func=lambda count: f"{count:,}")

config = PlaygroundConfig(blocks=blocks, filters=filters, kernel_size=kernel, pooling=pooling, dropout=dropout,
                          dense_units=dense, optimizer=optimizer, epochs=epochs, batch_size=batch, samples=samples)
st.query_params.update(config.to_query_params())  # the address bar always holds a shareable link

# A finished run is recorded once, on the next run of this page.
live = st.session_state.get("playground_live")
runs = st.session_state.setdefault("playground_runs", [])
if live is not None and not live.snapshot().active and not st.session_state.get("playground_live_recorded"):
    st.session_state["playground_live_recorded"] = True
    record = live_run.run_record(live, len(runs) + 1)
    if record is not None:
        runs.append(record)
        best = max(runs, key=lambda run: run["test_accuracy"])
        if best is record:
            st.session_state[PLAYGROUND_MODEL_KEY] = live.model
            st.session_state[PLAYGROUND_NAME_KEY] = record["label"]

with results:
    architecture_tab, sweep_tab, live_tab, runs_tab = st.tabs(
        ["Architecture", "Expected accuracy", "Train it live", "Your runs"])

with architecture_tab:
    try:
        plan = playground.layer_plan(config)
    except playground.InvalidNetwork as error:
        plan = None
        st.error(str(error))
    if plan is not None:
        path = " -> ".join(f"{side}x{side}" for side in playground.feature_map_sizes(config))
        st.markdown(f"The image shrinks **{path}** on its way through the conv blocks.")
        st.dataframe({"layer": [row.name for row in plan], "type": [row.kind for row in plan],
                      "output shape": [" x ".join(map(str, row.output_shape)) for row in plan],
                      "parameters": [row.params for row in plan]},
                     hide_index=True, column_config={"parameters": st.column_config.NumberColumn(format="localized")})
        total = sum(row.params for row in plan)
        zoo_totals = playground_ui.zoo_param_totals()
        st.markdown(f"**Total: {total:,} parameters.** The trained models of the zoo, for comparison:")
        st.dataframe({"network": ["your network", *zoo_totals],
                      "parameters": [total, *zoo_totals.values()]}, hide_index=True,
                     column_config={"parameters": st.column_config.NumberColumn(format="localized")})

with sweep_tab:
    try:
        sweep_data = playground_ui.playground_sweep()
    except sweep.SweepUnavailable as error:
        sweep_data = None
        st.info(str(error))
    if sweep_data is not None:
        match = sweep.lookup(sweep_data, config)
        cell, base = match.cell, sweep_data["base"]
        accuracy_column, note_column = st.columns([1, 2])
        accuracy_column.metric("Expected test accuracy", f"{cell['test_accuracy'] * 100:.2f}%")
        note_column.markdown(
            f"Measured, not guessed: this network was trained on {base['samples']:,} images for "
            f"{base['epochs']} epochs ({cell['seconds']:.0f} s) and tested on the 10,000 test digits."
        )
        if match.differences:
            st.caption("The nearest trained setting differs from yours in " + "; ".join(match.differences) + ".")
        kernel_shown = cell["config"]["kernel_size"]
        ui.plot(playground_figures.sweep_heatmap(
            sweep.accuracy_grid(sweep_data, kernel_shown), sweep_data["axes"]["filters"],
            sweep_data["axes"]["dropout"], present, current=(cell["config"]["filters"], cell["config"]["dropout"]),
            title=f"Test accuracy of every trained setting ({kernel_shown}x{kernel_shown} kernels)"),
            key="playground_sweep_map")
        st.caption("Your setting is framed in red. Left to right: wider layers; bottom to top: more dropout.")
        ui.plot(playground_figures.curves(cell["history"], present, epochs=base["epochs"],
                                          title="Your setting's accuracy per epoch"), key="playground_sweep_curves")
        cost = sweep_data.get("cost", {})
        st.caption(f"The grid of {cost.get('cells', len(sweep_data['cells']))} networks cost "
                   f"{cost.get('seconds', 0) / 60:.0f} minutes of CPU time to train, once, with "
                   f"`{sweep.REBUILD_COMMAND}`.")

with live_tab:
    run_config, cap_note = settings.within_work_cap(config, slots.max_training_work())
    if cap_note:
        st.info(cap_note)
    live = st.session_state.get("playground_live")
    active = live is not None and live.snapshot().active
    if not active and st.button("Train this network", type="primary", icon=":material/play_arrow:",
                                disabled=plan is None, key="playground_train"):
        live = live_run.LiveRun(run_config, limiter, is_alive=playground_ui.session_alive_check()).start()
        st.session_state["playground_live"] = live
        st.session_state["playground_live_recorded"] = False
        st.rerun()  # redraw without the Train button; the panel below then polls the run

    # Poll once a second while training, every 3 s while queued (each poll is a script run).
    queued = active and live.snapshot().status == "queued"

    @st.fragment(run_every=(3.0 if queued else 1.0) if active else None)
    def live_panel():
        """Shows the background run's state; re-runs by itself while the run is queued or training."""
        current = st.session_state.get("playground_live")
        if current is None:
            st.caption(f"This run trains on {run_config.samples:,} images x {run_config.epochs} epochs. For the "
                       "default network, one pass over 10,000 images took about 3 s on the class server, "
                       "plus about 6 s to start and to test; wider or deeper networks take longer.")
            return
        state = current.snapshot()
        st.markdown(f"**Run:** `{current.name}`, {current.config.samples:,} images x {current.config.epochs} epochs")
        if state.status == "queued":
            training_now, _ = limiter.counts()
            st.info(f"Waiting for the server: you are **number {max(state.position, 1)}** in the queue "
                    f"({training_now} run{'s' if training_now != 1 else ''} training now). Meanwhile, explore the "
                    "expected accuracy tab or the other pages; your place is kept.")
        elif state.active:
            accuracy = state.logs.get("accuracy")
            text = (f"Epoch {state.epoch} of {state.epochs}, batch {state.batch} of {state.batches}"
                    + (f"; training accuracy so far {accuracy:.1%}" if accuracy is not None else ""))
            if state.status == "testing":
                text = "Testing on the 10,000 test digits..."
            elif state.status == "starting":
                text = "Starting: loading TensorFlow, the training images and your network (a few seconds)..."
            st.progress(state.fraction, text=text)
        elif state.status == "finished":
            st.success(f"Test accuracy: **{state.test_accuracy:.2%}** on the 10,000 test digits "
                       f"({state.seconds:.0f} s).")
        else:
            (st.error if state.status == "failed" else st.warning)(state.message)
        if state.active and st.button("Stop", icon=":material/stop:", key="playground_stop"):
            current.stop()
        if state.history or state.active:
            ui.plot(playground_figures.curves(state.history, present, epochs=current.config.epochs,
                                              title="This run, per epoch"), key="playground_live_curves")
        if (not state.active and active) or (queued and state.status != "queued"):
            st.rerun()  # the run ended or left the queue: redraw the page (and poll at the new pace)

    live_panel()

with runs_tab:
    if not runs:
        st.caption("Your finished runs appear here, to compare settings.")
    else:
        st.dataframe(live_run.runs_table(runs), hide_index=True)
        ui.plot(playground_figures.runs_overlay(runs, present, title="Validation accuracy of your runs"),
                key="playground_runs_overlay")
        best_model, best_name = st.session_state.get(PLAYGROUND_MODEL_KEY), st.session_state.get(PLAYGROUND_NAME_KEY)
        if best_model is not None:
            st.download_button(f"Download your best run ({best_name}) as .keras",
                               data=lambda: playground_run.model_bytes(best_model), file_name=f"{best_name}.keras",
                               mime="application/octet-stream", on_click="ignore", icon=":material/download:")
            st.caption("Your best run is also used by the **Inside the CNN** and **Your digit** pages in this session.")
