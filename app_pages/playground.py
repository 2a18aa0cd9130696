"""Page "Train your own CNN": sliders -> layer table at once, the sweep's measured answer at once,
and a live training run (queued server-wide, trained in a worker process) with progress and a stop button."""

import streamlit as st

from cnnviz import ui
from cnnviz.playground import config as settings
from cnnviz.playground import figures as playground_figures
from cnnviz.playground import live, network, slots, sweep
from cnnviz.playground.run import model_bytes
from cnnviz.ui import playground as playground_ui
from cnnviz.ui.digits import PLAYGROUND_MODEL_KEY, PLAYGROUND_NAME_KEY

present = ui.presenter()
st.title("Train your own CNN")
ui.intro(
    "Change the network with the sliders. The **layer table** and the **measured accuracies** (trained "
    "beforehand for a grid of settings) update at once; press **Train** to train your own network on "
    "real MNIST digits and compare your runs."
)
playground_ui.apply_link_settings()  # a shared link (?filters=16&dropout=0.5) sets the sliders once

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

config = settings.PlaygroundConfig(blocks=blocks, filters=filters, kernel_size=kernel, pooling=pooling,
                                   dropout=dropout, dense_units=dense, optimizer=optimizer, epochs=epochs,
                                   batch_size=batch, samples=samples)
st.query_params.update(config.to_query_params())  # the address bar always holds a shareable link
runs = playground_ui.finished_runs()

with results:
    architecture_tab, sweep_tab, live_tab, runs_tab = st.tabs(
        list(playground_ui.TABS), key=playground_ui.TAB_KEY, bind="query-params")

with architecture_tab:
    try:
        plan = network.layer_plan(config)
    except network.InvalidNetwork as error:
        plan = None
        st.error(str(error))
    if plan is not None:
        st.markdown(f"The image shrinks **{network.shrink_path(config)}** on its way through the conv blocks.")
        ui.table(network.layer_table(plan))
        total = sum(row.params for row in plan)
        st.markdown(f"**Total: {total:,} parameters.** The trained models of the zoo, for comparison:")
        ui.table(playground_ui.parameter_comparison(total))

with sweep_tab:
    try:
        sweep_data = playground_ui.playground_sweep()
    except sweep.SweepUnavailable as error:
        sweep_data = None
        ui.unavailable(error, level="info")
    if sweep_data is not None:
        match = sweep.lookup(sweep_data, config)
        cell, base = match.cell, sweep_data["base"]
        kernel_shown = cell["config"]["kernel_size"]
        with ui.main_picture():
            playground_ui.measured_accuracy(match, base)
            st.markdown(f"**Test accuracy of every trained setting ({kernel_shown}x{kernel_shown} kernels)**")
            # A picture, not a Plotly chart: each cell's number is written in it, so the page needs no
            # Plotly bundle until a chart is opened (benchmarks/browser_pages.py).
            framed = (cell["config"]["filters"], cell["config"]["dropout"])
            st.image(ui.cached_picture(
                playground_figures.sweep_picture, sweep.accuracy_grid(sweep_data, kernel_shown),
                sweep_data["axes"]["filters"], sweep_data["axes"]["dropout"], present, current=framed,
                width_px=800 if present else 600,  # the results column at 1280 px, the sidebar open on a laptop
                cache_key=(sweep_data["cost"].get("finished", ""), kernel_shown, framed, present)))
        st.caption("The framed cell is your setting, or the nearest one trained. Left to right: wider layers; "
                   "bottom to top: more dropout.")
        # Drawn only once opened: a second Plotly chart beside the map held the page back on a slow laptop.
        epochs_box = st.expander("That setting's accuracy per epoch", key="playground_sweep_epochs",
                                 on_change="rerun", icon=":material/show_chart:")
        if epochs_box.open:
            with epochs_box:
                ui.plot(playground_figures.curves(cell["history"], present, epochs=base["epochs"],
                                                  title="That setting's accuracy per epoch"),
                        key="playground_sweep_curves")
        cost = sweep_data.get("cost", {})
        st.caption(f"The grid of {cost.get('cells', len(sweep_data['cells']))} networks cost "
                   f"{cost.get('seconds', 0) / 60:.0f} minutes of CPU time to train, once, with "
                   f"`{sweep.REBUILD_COMMAND}`.")

with live_tab:
    run_config, cap_note = settings.within_work_cap(config, slots.max_training_work())
    if cap_note:
        st.info(cap_note)
    pace = playground_ui.poll_seconds()  # None unless a run is queued or training
    if pace is None and st.button("Train this network", type="primary", icon=":material/play_arrow:",
                                  disabled=plan is None, key="playground_train"):
        playground_ui.start_live_run(run_config)

    @ui.fragment(run_every=pace)
    def live_panel():
        """The run's state; re-runs by itself while the run is queued or training."""
        run = playground_ui.live_run()
        if run is None:
            st.caption(f"This run trains on {run_config.samples:,} images x {run_config.epochs} epochs. For the "
                       "default network, one pass over 10,000 images took about 3 s on the class server, "
                       "plus about 6 s to start and to test; wider or deeper networks take longer.")
            return
        state = run.snapshot()
        st.markdown(f"**Run:** `{run.name}`, {run.config.samples:,} images x {run.config.epochs} epochs")
        playground_ui.progress_message(state)
        if state.active and st.button("Stop", icon=":material/stop:", key="playground_stop"):
            run.stop()
        if state.history or state.active:
            ui.plot(playground_figures.curves(state.history, present, epochs=run.config.epochs,
                                              title="This run, per epoch"), key="playground_live_curves")
        if playground_ui.poll_seconds() != pace:
            st.rerun()  # the run ended or left the queue: redraw the page, and poll at the new pace

    live_panel()

with runs_tab:
    if not runs:
        st.caption("Your finished runs appear here, to compare settings.")
    else:
        ui.table(live.runs_table(runs))
        ui.plot(playground_figures.runs_overlay(runs, present, title="Validation accuracy of your runs"),
                key="playground_runs_overlay")
        best_model, best_name = st.session_state.get(PLAYGROUND_MODEL_KEY), st.session_state.get(PLAYGROUND_NAME_KEY)
        if best_model is not None:
            st.download_button(f"Download your best run ({best_name}) as .keras",
                               data=lambda: model_bytes(best_model), file_name=f"{best_name}.keras",
                               mime="application/octet-stream", on_click="ignore", icon=":material/download:")
            st.caption("Your best run is also used by the **Inside the CNN** and **Your digit** pages in this session.")
