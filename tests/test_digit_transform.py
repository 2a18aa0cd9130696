"""cnnviz.digits.transform against numpy's own moves: np.roll for shifts, np.rot90 for quarter
turns, and the identity for no change."""

import numpy as np
import pytest

from cnnviz.digits.transform import transform_digit


def digit_with_empty_borders(seed: int = 0) -> np.ndarray:
    """A (28, 28) float picture whose ink stays inside the central 20 x 20 box, as MNIST's does."""
    picture = np.zeros((28, 28), dtype=np.float32)
    picture[4:24, 4:24] = np.random.default_rng(seed).random((20, 20), dtype=np.float32)
    return picture


@pytest.mark.parametrize("shift_x, shift_y", [(1, 0), (0, 1), (-3, 2), (4, -4), (0, 0)])
def test_a_shift_is_np_roll_on_a_digit_with_empty_borders(shift_x, shift_y):
    picture = digit_with_empty_borders()
    moved = transform_digit(picture, shift_x=shift_x, shift_y=shift_y)
    np.testing.assert_array_equal(moved, np.roll(picture, (shift_y, shift_x), axis=(0, 1)))


def test_rotation_0_and_scale_1_are_the_identity(mnist):
    (_, _), (x_test, _) = mnist
    for picture in (digit_with_empty_borders(1), x_test[0].astype(np.float32) / 255, x_test[1]):
        np.testing.assert_array_equal(transform_digit(picture), np.asarray(picture, np.float32))
        np.testing.assert_array_equal(transform_digit(picture, rotation_degrees=0.0, scale=1.0),
                                      np.asarray(picture, np.float32))


@pytest.mark.parametrize("turns", [1, 2, 3, -1, 4])
def test_quarter_turns_are_np_rot90_anticlockwise(turns):
    picture = digit_with_empty_borders(2)
    turned = transform_digit(picture, rotation_degrees=90.0 * turns)
    np.testing.assert_allclose(turned, np.rot90(picture, k=turns), atol=1e-6)


def test_nothing_wraps_around_the_edges():
    picture = np.zeros((28, 28), dtype=np.float32)
    picture[10:18, 24:28] = 1.0  # ink touching the right edge
    moved = transform_digit(picture, shift_x=3)
    assert moved[:, :3].sum() == 0  # np.roll would bring it back on the left
    assert moved.sum() == pytest.approx(8 * 1)  # only the column still inside remains


def test_scaling_grows_a_centred_blob_by_the_square_of_the_factor():
    rows, columns = np.mgrid[0:28, 0:28]
    blob = np.exp(-((rows - 13.5) ** 2 + (columns - 13.5) ** 2) / (2 * 2.5 ** 2)).astype(np.float32)
    for scale in (0.8, 1.25, 1.5):
        grown = transform_digit(blob, scale=scale)
        assert grown.sum() / blob.sum() == pytest.approx(scale ** 2, rel=0.02)
        assert np.unravel_index(grown.argmax(), grown.shape) in {(13, 13), (13, 14), (14, 13), (14, 14)}


def test_a_small_turn_keeps_the_ink_and_its_centre():
    picture = digit_with_empty_borders(3)
    turned = transform_digit(picture, rotation_degrees=17.0)
    assert turned.sum() == pytest.approx(picture.sum(), rel=0.02)  # bilinear keeps the ink's mass
    assert turned.min() >= 0 and turned.max() <= picture.max() + 1e-6


@pytest.mark.parametrize("scale", [0, -1, float("nan"), float("inf")])
def test_a_scale_that_is_not_positive_is_refused(scale):
    with pytest.raises(ValueError, match="positive"):
        transform_digit(np.zeros((28, 28)), scale=scale)


def test_a_batch_is_refused():
    with pytest.raises(ValueError, match="2-D"):
        transform_digit(np.zeros((2, 28, 28)))
