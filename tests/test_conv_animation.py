"""The animated convolution and pooling figures: right numbers, small frames, cheap to ship."""

import pickle

import numpy as np
import plotly.io as pio

from cnnviz.lesson import animation, kernels, ops

SEED_IMAGE = np.array([[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0], [0, 1, 1, 0, 0]])
SEED_FILTER = np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]])


def digit(mnist) -> np.ndarray:
    (x_train, _), _ = mnist
    return x_train[0] / 255.0


def test_whole_animation_of_a_digit_is_under_one_and_a_half_megabytes(mnist):
    figure = animation.convolution_figure(digit(mnist), kernels.preset_weights("Sobel (vertical edges)"), False,
                                          padding="same")
    payload = pio.to_json(figure.to_dict(), validate=False)
    assert len(figure.raw_frames) == 28 * 28
    assert len(payload) < 1_500_000


def test_frames_move_only_scatter_traces_so_the_browser_never_redraws_heatmaps(mnist):
    figure = animation.convolution_figure(digit(mnist), kernels.preset_weights("blur"), False, stride=2)
    data = figure.to_dict()["data"]
    for frame in figure.raw_frames[:50]:
        assert all(data[index]["type"] == "scatter" for index in frame["traces"])
    buttons = figure.layout.updatemenus[0].buttons
    assert all(button.args[1]["frame"]["redraw"] is False for button in buttons)


def test_the_steps_show_the_engines_numbers():
    figure = animation.convolution_figure(SEED_IMAGE, SEED_FILTER, False, decimals=0)
    expected = ops.conv2d(SEED_IMAGE, SEED_FILTER).ravel()
    sums = [frame["data"][5]["text"][0] for frame in figure.raw_frames]
    assert [text.split("sum = ")[1].split("<")[0] for text in sums] == [f"{value:g}" for value in expected]
    assert figure.raw_frames[0]["data"][0]["text"] == ["1", "1", "1", "0", "1", "1", "0", "0", "1"]
    output_numbers = figure.raw_frames[3]["data"][6]["text"]  # after 4 steps, 4 numbers are shown
    assert output_numbers[:4] == ["4", "3", "4", "2"] and output_numbers[4:] == [""] * 5


def test_padding_is_drawn_as_padding_and_hover_holds_the_input(mnist):
    image = digit(mnist)
    figure = animation.convolution_figure(image, kernels.preset_weights("outline"), False, padding=2)
    hover_input = np.array(figure.data[0].z, dtype=float)
    assert hover_input.shape == (32, 32)
    assert np.isnan(hover_input[:2]).all() and np.isnan(hover_input[:, -2:]).all()
    np.testing.assert_allclose(hover_input[2:-2, 2:-2], image, atol=1e-4)
    assert figure.layout.images[0].source.startswith("data:image/png;base64,")


def test_dilated_window_frames_every_cell_it_reads():
    figure = animation.convolution_figure(np.ones((9, 9)), np.ones((3, 3)), False, dilation=2)
    outline_x = figure.raw_frames[0]["data"][2]["x"]
    assert outline_x.count(None) == 9  # one small frame per read cell, besides the big one
    assert len(figure.raw_frames) == 5 * 5


def test_pooling_figure_marks_the_winner_and_handles_padding():
    x = np.arange(25.0).reshape(5, 5)
    figure = animation.pooling_figure(x, False, size=2, padding="same")
    assert len(figure.raw_frames) == 9
    last = figure.raw_frames[-1]["data"]
    assert last[0]["text"] == ["24", "pad", "pad", "pad"]
    assert "max = 24" in last[6]["text"][0]
    average = animation.pooling_figure(x, False, size=2, mode="average", padding="same")
    assert "average = 24 / 1 = 24" in average.raw_frames[-1]["data"][6]["text"][0]
    assert average.raw_frames[0]["data"][2]["x"] == []  # no winner in average pooling


def test_figures_pickle_with_their_frames():
    figure = animation.convolution_figure(SEED_IMAGE, SEED_FILTER, True)
    copy = pickle.loads(pickle.dumps(figure))
    assert copy.raw_frames == figure.raw_frames
    assert copy.to_dict()["layout"]["sliders"] == figure.to_dict()["layout"]["sliders"]
