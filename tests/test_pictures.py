"""Server-drawn pictures: feature-map grids with a legend, and the network at a glance."""

import io

import numpy as np
import pytest
from PIL import Image

from cnnviz import pictures
from cnnviz.digits import overview
from cnnviz.digits.activations import LayerOutput


def open_png(data: bytes) -> Image.Image:
    assert data.startswith(b"\x89PNG")
    return Image.open(io.BytesIO(data)).convert("RGB")


def test_a_map_grid_fits_its_width_and_shows_the_range_in_its_colours():
    rng = np.random.default_rng(0)
    maps = rng.random((26, 26, 32)) * 3.0
    picture = open_png(pictures.map_grid(maps, presenter=True, width_px=1180))
    assert picture.width <= 1180
    pixels = np.asarray(picture)
    darkest, brightest = pictures.colour(np.array([0.0, 3.0]), 0.0, float(maps.max()), "viridis")
    assert (pixels == brightest).all(axis=-1).any()  # the strongest value has the legend's top colour
    assert (pixels == darkest).all(axis=-1).any()


def test_signed_values_get_a_scale_centred_on_zero():
    low, high, scheme = pictures.value_limits(np.array([-0.5, 2.0]))
    assert (low, high, scheme) == (-2.0, 2.0, pictures.SIGNED_SCHEME)
    assert pictures.value_limits(np.array([0.0, 0.7]))[:2] == (0.0, 0.7)
    assert pictures.number(-0.0001) == "0" and pictures.number(3.8123) == "3.8"


def test_the_most_active_maps_come_first():
    maps = np.zeros((4, 4, 5))
    maps[..., 3] = 2.0
    maps[..., 1] = 1.0
    maps[0, 0, 4] = 1.0
    assert overview.most_active_maps(maps, 3) == [3, 1, 4]


def outputs_of_a_small_network() -> list[LayerOutput]:
    rng = np.random.default_rng(1)
    return [LayerOutput("conv", "Conv2D", rng.random((26, 26, 8))),
            LayerOutput("bn", "BatchNormalization", rng.normal(size=(26, 26, 8))),
            LayerOutput("relu", "ReLU", rng.random((26, 26, 8))),
            LayerOutput("pool", "MaxPooling2D", rng.random((13, 13, 8))),
            LayerOutput("drop", "Dropout", rng.random((13, 13, 8))),
            LayerOutput("flatten", "Flatten", rng.random(1352)),
            LayerOutput("digit", "Dense", np.eye(10)[7])]


def test_a_stage_is_the_last_layer_of_each_output_shape():
    assert [entry.layer_name for entry in overview.stages(outputs_of_a_small_network())] == ["relu", "pool"]


@pytest.mark.parametrize("presenter, size", [(True, (1180, 420)), (False, (880, 340))])
def test_the_overview_has_the_page_size_and_draws_the_answer(presenter, size):
    picture = open_png(overview.network_overview(outputs_of_a_small_network(), np.zeros((28, 28)),
                                                 presenter=presenter, width_px=size[0], height_px=size[1]))
    assert picture.size == size
    orange = (np.asarray(picture) == overview.BEST_COLOUR).all(axis=-1)
    assert orange.sum() > 50  # the predicted digit's bar
