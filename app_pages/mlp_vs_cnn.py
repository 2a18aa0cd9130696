"""MLP vs CNN: the lessons' networks, trained on all of MNIST, compared on the 10 000 test digits."""

import streamlit as st

from cnnviz.zoo import figures as zoo_figures
from cnnviz import zoo
from cnnviz.zoo import metrics
from cnnviz import ui
from cnnviz.ui import comparison as comparison_ui
from cnnviz.ui import digits as digits_ui
from cnnviz.ui import lesson

PAGE = "zoo"
ACCURACY_WIDTH = {True: 1180, False: 500}  # px: the projector's full width; a laptop's left column at 1280 px
presenter = ui.presenter()

st.title("MLP vs CNN")
ui.intro(
    "The lessons claim that a convolutional network beats a plain multi-layer perceptron on "
    "handwritten digits. Here are the lessons' own networks, **trained on all 60 000 MNIST "
    "training digits** and tested on the **10 000 test digits** they never saw."
)

cards, problems = comparison_ui.zoo_cards()
# Which trained versions the figures show: they are cached by this, not by hashing whole cards.
cards_version = tuple((name, card.get("date", "")) for name, card in cards.items())
if problems:
    st.warning(f"**Not available on this server: {', '.join(problems)}.** The other models still show. "
               f"Rebuild the missing ones with `python -m cnnviz.zoo {' '.join(problems)}` in the project "
               "folder (about a minute to twenty per model on a laptop CPU).")
    with st.expander("What exactly is wrong with them"):
        for message in problems.values():
            st.markdown(f"- {message}")
if not cards:
    st.error("No trained model is available yet, so there is nothing to compare. "
             "Run `python -m cnnviz.zoo` in the project folder to train them all.")
    ui.stop()

titles = digits_ui.zoo_titles()
cnn_names = [name for name in cards if name != "mlp"]
default_cnn = "cnn_chollet" if "cnn_chollet" in cnn_names else (cnn_names[0] if cnn_names else None)

# On the projector the chart takes the full width and the explanation follows below it.
left, right = (st.container(), st.container()) if presenter else st.columns([3, 2], gap="large")
with right:
    chosen = st.selectbox(
        "Compare the MLP with", cnn_names, index=cnn_names.index(default_cnn) if default_cnn else 0,
        format_func=lambda name: titles.get(name, name), key=f"{PAGE}_cnn", bind="query-params",
        help="Chollet's convnet has almost exactly as many weights as the MLP: the fairest match.",
    ) if cnn_names else None
    if chosen:
        lesson.shown_as(f"{PAGE}_cnn", titles.get(chosen, chosen))
    mlp_card, cnn_card = cards.get("mlp"), cards.get(chosen) if chosen else None
    if mlp_card and cnn_card:
        facts = zoo_figures.comparison_facts(mlp_card, cnn_card)
        st.markdown(
            f"- The **MLP** has **{facts['first_params']:,}** weights and gets **{facts['first_accuracy']:.2f}%** "
            f"right: **{facts['first_wrong']}** of 10 000 test digits wrong.\n"
            f"- **{facts['second_title']}** has **{facts['second_params']:,}** weights "
            f"({facts['params_ratio']:.1f}x the MLP's) and gets **{facts['second_accuracy']:.2f}%**: "
            f"**{facts['second_wrong']}** wrong, **{facts['error_ratio']:.1f}x fewer mistakes**.\n"
            f"- Why: the MLP's first layer spends **{facts['first_layer_params']:,}** weights, one per pixel "
            f"per neuron, and must learn each stroke at every position separately. The CNN's first layer has "
            f"**{facts['second_first_layer_params']:,}**: small filters slid over the whole image, so a stroke "
            "is recognised wherever it is, and pooling forgives small shifts."
        )
    else:
        st.info("The comparison needs the MLP and at least one CNN; the missing ones are named above.")
with left, ui.main_picture():
    # A picture, not a Plotly chart: every number is written on it, and the page then opens without
    # Plotly's bundle, which loads only when a tab with a chart is opened (benchmarks/browser_pages.py).
    st.image(ui.cached_picture(zoo_figures.accuracy_picture, list(cards.values()), presenter, highlight=("mlp", chosen),
                               width_px=ACCURACY_WIDTH[presenter], cache_key=(cards_version, presenter, chosen)))

st.subheader("The models")
ui.table(ui.cached_table(zoo_figures.models_table, list(cards.values()), cache_key=cards_version))
devices = sorted({card.get("device", "") for card in cards.values()} - {""})
st.caption(f"Trained on {', '.join(devices) or 'the machine named in each card'}: the training times are those of "
           "the runs that produced the committed files. Each model's card in models/ lists every setting.")


@ui.fragment
def training_curves() -> None:
    """Accuracy or loss: only this chart reruns (a fragment) when a student switches."""
    metric = st.radio("Show", ["accuracy", "loss"], horizontal=True, key=f"{PAGE}_metric", bind="query-params",
                      help="Training curve (solid) vs validation curve on the test digits (dashed). "
                           "A widening gap means the network memorises its training digits.")
    ui.plot(ui.cached_figure(zoo_figures.training_curves, list(cards.values()), presenter, metric,
                             cache_key=(cards_version, presenter, metric)), key=f"{PAGE}_curves")


# The rest of the page as tabs, only the open one drawn (the page reruns when a student switches):
# each Plotly chart costs a school laptop's browser a noticeable moment, and ten of them at once made
# this page settle long after its main picture (benchmarks/browser_pages.py). The first tab, where the
# weights sit, has tables only: the page opens with its one chart, the accuracy bars.
layers_tab, curves_tab, confusion_tab, fooled_tab = st.tabs(
    lesson.ZOO_TABS, key=lesson.ZOO_TAB_KEY, bind="query-params", default=lesson.ZOO_TABS[0], on_change="rerun")

if layers_tab.open:
    with layers_tab:
        st.subheader("Inside each model, layer by layer")
        tabs = st.tabs([titles.get(name, name) for name in cards])
        for tab, (name, card) in zip(tabs, cards.items()):
            with tab:
                st.caption(card.get("description", ""))
                ui.table(ui.cached_table(zoo_figures.layer_rows, card, cache_key=(name, card.get("date", ""))))
                st.markdown(f"**Total: {card['params']:,} parameters.** Optimizer {card['optimizer']['name']}, "
                            f"{card['epochs']} epochs, batch {card['batch_size']}, trained on {card['device']} in "
                            f"{card['training_time_s'] / 60:.1f} min. Rebuild: `{card.get('command', '')}`")

if curves_tab.open:
    with curves_tab:
        st.subheader("Training curves: does it overfit?")
        training_curves()

if confusion_tab.open:
    with confusion_tab:
        if not (mlp_card and cnn_card):
            st.info("This needs the MLP and a CNN; the missing ones are named above.")
        else:
            st.subheader("Which digits get confused? (row: true digit, column: what the network said)")
            # Side by side on laptops; stacked on the projector, where side by side the counts would not fit.
            left, right = (st.container(), st.container()) if presenter else st.columns(2)
            with left:
                ui.plot(ui.cached_figure(zoo_figures.confusion_heatmap, mlp_card["confusion_matrix"], presenter,
                                         titles["mlp"]), key=f"{PAGE}_confusion_mlp")
            with right:
                ui.plot(ui.cached_figure(zoo_figures.confusion_heatmap, cnn_card["confusion_matrix"], presenter,
                                         titles.get(chosen, chosen)), key=f"{PAGE}_confusion_cnn")

if fooled_tab.open:
    with fooled_tab:
        if not (mlp_card and cnn_card):
            st.info("This needs the MLP and a CNN; the missing ones are named above.")
        else:
            st.subheader(f"Digits the MLP gets wrong and {titles.get(chosen, chosen)} gets right")
            _, (x_test, y_test) = ui.mnist_or_stop()
            try:
                with st.spinner("Running both networks over the 10 000 test digits (a few seconds, once per "
                                "server)..."):
                    mlp_probabilities = comparison_ui.zoo_test_probabilities("mlp", mlp_card.get("date", ""))
                    cnn_probabilities = comparison_ui.zoo_test_probabilities(chosen, cnn_card.get("date", ""))
            except zoo.ModelUnavailable as error:  # the card exists but the .keras file is broken
                ui.unavailable(error)
            else:
                indices = metrics.wrong_here_right_there(mlp_probabilities, cnn_probabilities, y_test)
                count = st.slider("Digits to show", 3, 12, 6, step=3, key=f"{PAGE}_gallery_count",
                                  bind="query-params")
                st.caption(f"{len(indices)} test digits fool the MLP but not the CNN; the MLP's most confident "
                           f"mistakes come first. Orange bars: MLP, blue bars: {titles.get(chosen, chosen)}.")
                per_row = 2 if presenter else 3
                columns = st.columns(per_row)
                for position, index in enumerate(indices[:count]):
                    with columns[position % per_row]:
                        mlp_says = int(mlp_probabilities[index].argmax())
                        st.image(ui.picture(x_test[index], 112), width=112,
                                 caption=f"#{index}, a {int(y_test[index])}: MLP says {mlp_says} "
                                         f"({100 * mlp_probabilities[index, mlp_says]:.0f}%)")
                        ui.plot(ui.cached_figure(zoo_figures.probability_pair, mlp_probabilities[index],
                                                 cnn_probabilities[index], ("MLP", titles.get(chosen, chosen)),
                                                 int(y_test[index]), presenter), key=f"{PAGE}_gallery_{position}")
