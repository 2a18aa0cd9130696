"""cnnviz.lesson.ops against Keras itself (the oracle), the lesson's worked example, the step generators,
and the readable errors for arguments that make no sense. Also the kernel presets and parser."""

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from cnnviz.lesson import invariance, kernels, ops

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
keras = pytest.importorskip("keras")

TOLERANCE = 1e-5
ORACLE = settings(max_examples=90, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NUMPY_ONLY = settings(max_examples=120, deadline=None)

SEED_IMAGE = [[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0], [0, 1, 1, 0, 0]]
SEED_FILTER = [[1, 0, 1], [0, 1, 0], [1, 0, 1]]
SEED_OUTPUT = [[4, 3, 4], [2, 4, 3], [2, 3, 4]]


def test_seed_001_example_is_exact():
    np.testing.assert_array_equal(ops.conv2d(SEED_IMAGE, SEED_FILTER), SEED_OUTPUT)
    steps = list(ops.conv_steps(SEED_IMAGE, SEED_FILTER))
    assert [step.value for step in steps] == [4, 3, 4, 2, 4, 3, 2, 3, 4]
    assert steps[1].rows.tolist() == [0, 1, 2] and steps[1].cols.tolist() == [1, 2, 3]


@st.composite
def conv_configs(draw):
    """A Conv2D configuration Keras accepts, with random data."""
    rows, cols = draw(st.integers(3, 10)), draw(st.integers(3, 10))
    channels, filters = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    k_rows, k_cols = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    stride = draw(st.integers(1, 3))
    dilation = 1 if stride > 1 else draw(st.integers(1, 2))  # Keras forbids both above 1
    padding = draw(st.sampled_from(["valid", "same"]))
    seed = draw(st.integers(0, 2**31 - 1))
    return rows, cols, channels, filters, (k_rows, k_cols), stride, dilation, padding, seed


@ORACLE
@given(conv_configs())
def test_conv2d_matches_keras_conv2d(config):
    rows, cols, channels, filters, kernel_size, stride, dilation, padding, seed = config
    span = [dilation * (k - 1) + 1 for k in kernel_size]
    assume(padding == "same" or (span[0] <= rows and span[1] <= cols))
    rng = np.random.default_rng(seed)
    image = rng.uniform(-1, 1, (rows, cols, channels)).astype(np.float32)
    kernel = rng.uniform(-1, 1, (*kernel_size, channels, filters)).astype(np.float32)
    bias = rng.uniform(-1, 1, filters).astype(np.float32)
    layer = keras.layers.Conv2D(filters, kernel_size, strides=stride, padding=padding, dilation_rate=dilation)
    layer.build((1, rows, cols, channels))
    layer.set_weights([kernel, bias])
    expected = keras.ops.convert_to_numpy(layer(image[None]))[0]
    ours = ops.conv2d(image, kernel, stride=stride, padding=padding, dilation=dilation, bias=bias)
    assert ours.shape == expected.shape
    assert np.max(np.abs(ours - expected)) <= TOLERANCE
    assert ours.shape[:2] == (ops.output_size(rows, kernel_size[0], stride, padding, dilation),
                              ops.output_size(cols, kernel_size[1], stride, padding, dilation))


@st.composite
def pool_configs(draw):
    rows, cols, channels = draw(st.integers(2, 9)), draw(st.integers(2, 9)), draw(st.integers(1, 2))
    size = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = draw(st.one_of(st.none(), st.tuples(st.integers(1, 3), st.integers(1, 3))))
    padding = draw(st.sampled_from(["valid", "same"]))
    mode = draw(st.sampled_from(["max", "average"]))
    return rows, cols, channels, size, stride, padding, mode, draw(st.integers(0, 2**31 - 1))


@ORACLE
@given(pool_configs())
def test_pool2d_matches_keras_pooling(config):
    rows, cols, channels, size, stride, padding, mode, seed = config
    assume(padding == "same" or (size[0] <= rows and size[1] <= cols))
    x = np.random.default_rng(seed).uniform(-2, 2, (rows, cols, channels)).astype(np.float32)
    layer_class = keras.layers.MaxPooling2D if mode == "max" else keras.layers.AveragePooling2D
    expected = keras.ops.convert_to_numpy(layer_class(size, strides=stride, padding=padding)(x[None]))[0]
    ours = ops.pool2d(x, size, stride, mode, padding)
    assert ours.shape == expected.shape
    assert np.max(np.abs(ours - expected)) <= TOLERANCE


def test_integer_padding_is_zeros_around_the_image_as_keras_zero_padding():
    rng = np.random.default_rng(3)
    image, kernel = rng.uniform(-1, 1, (6, 7, 2)), rng.uniform(-1, 1, (3, 3, 2, 2))
    padded = keras.layers.ZeroPadding2D(2)(image[None].astype(np.float32))
    layer = keras.layers.Conv2D(2, 3, strides=2, use_bias=False)
    layer.build((1, 10, 11, 2))
    layer.set_weights([kernel.astype(np.float32)])
    expected = keras.ops.convert_to_numpy(layer(padded))[0]
    assert np.max(np.abs(ops.conv2d(image, kernel, stride=2, padding=2) - expected)) <= TOLERANCE


@NUMPY_ONLY
@given(st.integers(3, 12), st.integers(3, 12), st.integers(1, 5), st.integers(1, 3), st.integers(1, 3),
       st.sampled_from(["valid", "same", 0, 1, 2]), st.integers(0, 2**31 - 1))
def test_conv_steps_replay_conv2d_exactly(rows, cols, k, stride, dilation, padding, seed):
    assume(stride == 1 or dilation == 1)
    rng = np.random.default_rng(seed)
    image, kernel, bias = rng.uniform(-1, 1, (rows, cols)), rng.uniform(-1, 1, (k, k)), float(rng.uniform(-1, 1))
    try:
        expected = ops.conv2d(image, kernel, stride, padding, dilation, bias)
    except ops.OperationError:
        return  # kernel larger than the padded image: checked in the bad-argument tests
    steps = list(ops.conv_steps(image, kernel, stride, padding, dilation, bias))
    along_rows, along_cols = (ops.geometry(n, k, stride, padding, dilation) for n in (rows, cols))
    padded = np.pad(image, ((along_rows.before, along_rows.after), (along_cols.before, along_cols.after)))
    assert len(steps) == expected.size
    for step in steps:
        assert step.value == expected[step.out_row, step.out_col]  # exact, not approximate
        np.testing.assert_array_equal(step.window, padded[np.ix_(step.rows, step.cols)])
        np.testing.assert_array_equal(step.products, step.window * kernel)
        assert step.total == pytest.approx(step.products.sum(), abs=1e-12)


@NUMPY_ONLY
@given(st.integers(2, 10), st.integers(2, 10), st.integers(1, 4), st.one_of(st.none(), st.integers(1, 3)),
       st.sampled_from(["max", "average"]), st.sampled_from(["valid", "same"]), st.integers(0, 2**31 - 1))
def test_pool_steps_replay_pool2d_exactly(rows, cols, size, stride, mode, padding, seed):
    assume(padding == "same" or size <= min(rows, cols))
    x = np.random.default_rng(seed).uniform(0, 3, (rows, cols))
    expected = ops.pool2d(x, size, stride, mode, padding)
    steps = list(ops.pool_steps(x, size, stride, mode, padding))
    assert len(steps) == expected.size
    for step in steps:
        assert step.value == expected[step.out_row, step.out_col]
        assert step.window[step.winner] == np.nanmax(step.window)
        if mode == "max":
            assert step.value == step.window[step.winner]


def test_output_size_and_its_formula():
    assert ops.output_size(28, 3) == 26
    assert ops.output_size(28, 3, stride=2, padding="same") == 14
    assert ops.output_size(28, 5, padding=2) == 28
    assert ops.output_size(28, 3, dilation=2) == 24
    assert ops.output_size_formula(28, 3, 1, 1, 2) == "output = floor((28 + 2*1 - 2*(3 - 1) - 1) / 1) + 1 = 26"
    assert ops.output_size_formula(28, 3, 2, "same").endswith("= 14")


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda: ops.conv2d(SEED_IMAGE, SEED_FILTER, stride=0), ["stride", "0"]),
        (lambda: ops.conv2d(SEED_IMAGE, SEED_FILTER, dilation=-1), ["dilation", "-1"]),
        (lambda: ops.conv2d(SEED_IMAGE, SEED_FILTER, padding="full"), ["Padding", "'full'"]),
        (lambda: ops.conv2d(SEED_IMAGE, SEED_FILTER, padding=-2), ["Padding", "-2"]),
        (lambda: ops.conv2d(SEED_IMAGE, np.ones((7, 7))), ["larger than the padded input", "7"]),
        (lambda: ops.conv2d(SEED_IMAGE, SEED_FILTER, dilation=3), ["reaching 7 cells", "dilation 3"]),
        (lambda: ops.conv2d(SEED_IMAGE, SEED_FILTER, stride=2, dilation=2), ["stride 2", "dilation 2"]),
        (lambda: ops.conv2d([[1.0, np.nan], [0, 0]], [[1]]), ["nan", "(0, 1)"]),
        (lambda: ops.conv2d(SEED_IMAGE, [[1, np.inf]]), ["inf", "kernel"]),
        (lambda: ops.conv2d([1, 2, 3], [[1]]), ["image", "shape (3,)"]),
        (lambda: ops.conv2d(np.ones((4, 4, 2)), np.ones((3, 3, 1, 1))), ["2 channels", "expects 1"]),
        (lambda: ops.conv2d(np.ones((4, 4, 1)), np.ones((3, 3))), ["4-D kernel"]),
        (lambda: ops.pool2d(np.ones((4, 4)), mode="min"), ["mode", "'min'"]),
        (lambda: ops.pool2d(np.ones((4, 4)), size=5), ["larger than the padded input", "5"]),
        (lambda: ops.pool2d(np.ones((4, 4)), padding=1), ["padding", "1"]),
    ],
)
def test_bad_arguments_raise_readable_value_errors(call, words):
    with pytest.raises(ValueError) as raised:
        call()
    assert isinstance(raised.value, ops.OperationError)
    for word in words:
        assert word in str(raised.value)


def test_relu_and_softmax_match_keras():
    logits = np.array([[1.0, -2.0, 3.0, 1000.0], [0.0, 0.0, 0.0, 0.0]])
    np.testing.assert_allclose(ops.softmax(logits), keras.ops.convert_to_numpy(keras.ops.softmax(logits)),
                               atol=TOLERANCE)
    np.testing.assert_array_equal(ops.relu([-1.5, 0.0, 2.0]), [0.0, 0.0, 2.0])


def test_presets_and_five_by_five_embedding():
    assert {"identity", "vertical edges", "horizontal edges", "blur", "sharpen", "emboss", "outline"} <= set(
        kernels.PRESETS)
    assert any(name.startswith("Sobel") for name in kernels.PRESETS)
    big = kernels.preset_weights("outline", 5)
    assert big.shape == (5, 5) and big[2, 2] == 8 and big[0].sum() == 0
    identity = ops.conv2d(np.arange(25.0).reshape(5, 5), kernels.preset_weights("identity"), padding="same")
    np.testing.assert_array_equal(identity, np.arange(25.0).reshape(5, 5))


def test_kernel_grid_round_trip_and_fractions():
    weights = kernels.parse_grid(kernels.as_text_grid(kernels.preset_weights("Sobel (vertical edges)")))
    np.testing.assert_array_equal(weights, kernels.preset_weights("Sobel (vertical edges)"))
    assert kernels.parse_grid([["1/9"] * 3] * 3)[0, 0] == pytest.approx(1 / 9)
    assert kernels.parse_grid([[" \u22121 ", 0, 1.5]] * 3)[0].tolist() == [-1.0, 0.0, 1.5]


@pytest.mark.parametrize(
    ("cell", "words"),
    [("abc", ["row 2, column 3", "'abc'", "not a number"]), ("", ["row 2, column 3", "empty"]),
     (None, ["row 2, column 3", "empty"]), (float("nan"), ["row 2, column 3", "empty"]),
     ("nan", ["row 2, column 3", "finite"]), ("1e9", ["row 2, column 3", "too large"]),
     ("-inf", ["row 2, column 3", "finite"])],
)
def test_bad_kernel_cells_are_named(cell, words):
    grid = [["0"] * 3 for _ in range(3)]
    grid[1][2] = cell
    with pytest.raises(kernels.KernelError) as raised:
        kernels.parse_grid(grid)
    for word in words:
        assert word in str(raised.value)


def test_kernel_of_the_wrong_shape():
    with pytest.raises(kernels.KernelError, match="3 x 3 or 5 x 5"):
        kernels.parse_grid([["1", "2"], ["3", "4"]])


def test_shifting_and_measuring_change():
    image = np.zeros((4, 4))
    image[1, 1] = 1
    assert invariance.shift(image, 1, 2)[2, 3] == 1 and invariance.shift(image, 1, 2).sum() == 1
    assert invariance.shift(image, -2, 0).sum() == 0  # moved out of the picture: nothing wraps
    assert invariance.relative_change(image, image) == 0
    rows = invariance.shift_table(np.pad(np.eye(8), 4), kernels.preset_weights("vertical edges"))
    assert [row["shift"] for row in rows] == list(invariance.SHIFTS)
    assert all(row["feature map change"] > 0 for row in rows)
