"""Numbers drawn as pictures: bars whose lengths and colours are the values', a grid whose cells
carry the colour of their value on the legend's scale, the chosen cell framed."""

import numpy as np
import pytest

from cnnviz import number_pictures, pictures, zoo
from cnnviz.playground import figures as playground_figures
from cnnviz.playground import sweep
from cnnviz.zoo import figures as zoo_figures
from test_pictures import open_png

ORANGE, BLUE = "#ff7f0e", "#1f77b4"


def extent_of(pixels: np.ndarray, rgb: tuple[int, int, int]) -> list[tuple[int, int, int, int]]:
    """(top, bottom, left, right) of each horizontal band of rows holding ``rgb``, top to bottom."""
    mask = (pixels == rgb).all(axis=-1)
    rows = np.flatnonzero(mask.any(axis=1))
    bands, start = [], None
    for index, row in enumerate(rows):
        if start is None:
            start = row
        if index + 1 == len(rows) or rows[index + 1] != row + 1:
            columns = np.flatnonzero(mask[start:row + 1].any(axis=0))
            bands.append((start, row, columns.min(), columns.max()))
            start = None
    return bands


@pytest.mark.parametrize("presenter", [False, True])
def test_a_bars_length_is_its_value_on_the_axis(presenter):
    data = open_png(number_pictures.horizontal_bars(
        [98.0, 100.0, 96.5], ["a", "b", "c"], presenter=presenter, low=96.0, high=100.0,
        colours=[BLUE, ORANGE, BLUE], ticks=[96, 98, 100], axis_title="accuracy", width_px=700))
    pixels = np.asarray(data)
    assert data.width == 700
    blue, orange = extent_of(pixels, (31, 119, 180)), extent_of(pixels, (255, 127, 14))
    assert len(blue) == 2 and len(orange) == 1
    assert blue[0][0] < orange[0][0] < blue[1][0]  # drawn top to bottom in the given order
    start, full = orange[0][2], orange[0][3] - orange[0][2]
    assert blue[0][2] == start == blue[1][2]  # every bar starts at the axis's low end
    assert (blue[0][3] - start) / full == pytest.approx(0.5, abs=0.01)  # 98 is half way from 96 to 100
    assert (blue[1][3] - start) / full == pytest.approx(0.125, abs=0.01)


def test_an_outlined_bar_gets_a_dark_frame_and_its_text_stays_readable():
    def picture(outlined):
        return np.asarray(open_png(number_pictures.horizontal_bars(
            [99.0], ["model"], presenter=False, low=96, high=100, colours=[BLUE], outlined=[outlined],
            inside=["91 wrong"])))
    plain, framed = picture(False), picture(True)
    dark = (framed == number_pictures.OUTLINE).all(axis=-1).sum() - (plain == number_pictures.OUTLINE).all(axis=-1).sum()
    assert dark > 100
    assert number_pictures._readable_on((31, 119, 180)) == (255, 255, 255)
    assert number_pictures._readable_on((253, 231, 37)) == pictures.INK  # viridis's yellow end


def test_each_grid_cell_has_its_values_colour_row_zero_at_the_bottom_and_a_frame():
    values = np.array([[90.0, 95.0], [np.nan, 99.0]])  # row 0: dropout 0, row 1: dropout 0.5
    pixels = np.asarray(open_png(number_pictures.value_grid(
        values, ["0", "0.5"], ["8", "16"], presenter=False, row_title="dropout", column_title="filters",
        legend_title="accuracy (%)", framed=(0, 1), low=90.0, high=99.0, width_px=600)))
    low_colour, middle_colour, high_colour = (tuple(int(c) for c in rgb) for rgb in
                                              pictures.colour(np.array([90.0, 95.0, 99.0]), 90.0, 99.0, "viridis"))
    bands = {name: extent_of(pixels, rgb) for name, rgb in
             (("low", low_colour), ("middle", middle_colour), ("high", high_colour),
              ("missing", number_pictures.NOT_MEASURED), ("frame", number_pictures.FRAME))}
    cell = lambda name: max(bands[name], key=lambda band: (band[1] - band[0]) * (band[3] - band[2]))  # noqa: E731
    assert cell("low")[0] > cell("missing")[1]  # row 0 (90) is below row 1 (not trained)
    assert cell("middle")[0] > cell("high")[1]  # 95 (row 0) below 99 (row 1), in the same column
    assert cell("low")[3] < cell("middle")[2]  # column 0 left of column 1
    frame = cell("frame")
    assert frame[0] <= cell("middle")[0] and frame[1] >= cell("middle")[1]  # the framed cell: row 0, column 1
    assert frame[2] <= cell("middle")[2] and frame[3] >= cell("middle")[3]


def test_the_accuracy_picture_draws_the_mlp_orange_and_longest_bar_for_the_best_model():
    cards = [zoo.card(name) for name in zoo.names()]
    pixels = np.asarray(open_png(zoo_figures.accuracy_picture(cards, False, ("mlp", "cnn_chollet"))))
    orange, blue = extent_of(pixels, (255, 127, 14)), extent_of(pixels, (31, 119, 180))
    assert len(orange) == 1 and len(blue) == len(cards) - 1
    bars = sorted(orange + blue)  # top to bottom, as the cards come
    lengths = [right - left for _, _, left, right in bars]
    accuracies = [card["test_accuracy"] for card in cards]
    assert np.argsort(lengths).tolist() == np.argsort(accuracies, kind="stable").tolist()
    assert bars.index(orange[0]) == [card["name"] for card in cards].index("mlp")


def test_the_sweep_picture_frames_the_students_setting():
    data = sweep.load(sweep.DEFAULT_PATH)
    grid = sweep.accuracy_grid(data, 3)
    filters, dropouts = data["axes"]["filters"], data["axes"]["dropout"]
    framed_corner = np.asarray(open_png(playground_figures.sweep_picture(grid, filters, dropouts, False,
                                                                         current=(filters[0], dropouts[0]))))
    framed_top = np.asarray(open_png(playground_figures.sweep_picture(grid, filters, dropouts, False,
                                                                      current=(filters[-1], dropouts[-1]))))
    corner = extent_of(framed_corner, number_pictures.FRAME)[-1]
    top = extent_of(framed_top, number_pictures.FRAME)[0]
    assert corner[0] > top[1] and corner[2] < top[2]  # fewest filters, no dropout: bottom left
    unframed = np.asarray(open_png(playground_figures.sweep_picture(grid, filters, dropouts, False, current=None)))
    assert not (unframed == number_pictures.FRAME).all(axis=-1).any()
