"""Convolution, pooling, ReLU and softmax in plain numpy: the one engine behind every number and
animation on the convolution and pooling pages.

``conv2d`` computes exactly what ``keras.layers.Conv2D`` computes (a cross-correlation: the kernel is
not flipped), ``pool2d`` what ``MaxPooling2D`` / ``AveragePooling2D`` compute, both with Keras'
``"same"`` padding rule. The step generators replay the same arithmetic one output cell at a time,
so an animation shows the very numbers the layer produces. Nothing here imports TensorFlow.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterator

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

Padding = str | int


class OperationError(ValueError):
    """Arguments for which the operation has no meaning; the message says which value is wrong."""


@dataclass(frozen=True)
class Geometry:
    """How a sliding window meets one axis of the input.

    Attributes:
        size: input length n. kernel: window length k. stride, dilation: as given.
        span: length the window reaches, dilation * (k - 1) + 1.
        before, after: zeros (or ignored cells, for pooling) added on each side.
        output: number of window positions.
    """

    size: int
    kernel: int
    stride: int
    dilation: int
    span: int
    before: int
    after: int
    output: int


def _positive_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise OperationError(f"{name} must be a whole number of at least 1, not {value!r}.")
    return int(value)


def geometry(n: int, kernel: int, stride: int = 1, padding: Padding = "valid", dilation: int = 1,
             axis: str = "input") -> Geometry:
    """Padding and output length along one axis, with Keras' rules.

    Args:
        n: input length; kernel: window length; stride, dilation: whole numbers >= 1.
        padding: ``"valid"`` (none), ``"same"`` (Keras: output = ceil(n / stride), the odd extra
            cell goes after), or a whole number of zeros on each side.
        axis: a word for messages ("height", "width").

    Raises:
        OperationError: a non-positive stride/dilation/kernel, an unknown padding, or a window
            that reaches further than the padded input (no output at all).
    """
    n, kernel = _positive_int(n, f"The input {axis}"), _positive_int(kernel, f"The kernel {axis}")
    stride, dilation = _positive_int(stride, "The stride"), _positive_int(dilation, "The dilation")
    span = dilation * (kernel - 1) + 1
    if isinstance(padding, str) and padding.lower() == "valid":
        before = after = 0
    elif isinstance(padding, str) and padding.lower() == "same":
        output = math.ceil(n / stride)
        total = max((output - 1) * stride + span - n, 0)
        before, after = total // 2, total - total // 2
    elif isinstance(padding, (int, np.integer)) and not isinstance(padding, bool) and padding >= 0:
        before = after = int(padding)
    else:
        raise OperationError(f'Padding must be "valid", "same" or a whole number >= 0, not {padding!r}.')
    padded = n + before + after
    if span > padded:
        reach = f"{kernel}" if dilation == 1 else f"{kernel} (reaching {span} cells with dilation {dilation})"
        raise OperationError(
            f"The kernel {axis} {reach} is larger than the padded input {axis} {padded}: there is no "
            "position for the window. Use a smaller kernel or dilation, or more padding."
        )
    return Geometry(n, kernel, stride, dilation, span, before, after, (padded - span) // stride + 1)


def output_size(n: int, kernel: int, stride: int = 1, padding: Padding = "valid", dilation: int = 1) -> int:
    """Output length of a convolution or pooling along one axis (see :func:`geometry`)."""
    return geometry(n, kernel, stride, padding, dilation).output


def output_size_formula(n: int, kernel: int, stride: int = 1, padding: Padding = "valid",
                        dilation: int = 1) -> str:
    """The output-size formula filled in with these numbers, as one line of plain text.

    Example: ``output = floor((28 + 2*1 - 1*(3 - 1) - 1) / 1) + 1 = 28``.
    """
    g = geometry(n, kernel, stride, padding, dilation)
    if g.before == g.after:
        padded = f"{n} + 2*{g.before}"
    else:
        padded = f"{n} + {g.before} + {g.after}"
    text = f"output = floor(({padded} - {dilation}*({kernel} - 1) - 1) / {stride}) + 1 = {g.output}"
    if isinstance(padding, str) and padding.lower() == "same":
        text = f'"same" keeps ceil({n} / {stride}) = {g.output} cells: ' + text
    return text


def _finite_array(values, name: str, ranks: tuple[int, ...]) -> np.ndarray:
    array = np.asarray(values)
    if array.ndim not in ranks:
        wanted = " or ".join(f"{rank}-D" for rank in ranks)
        raise OperationError(f"The {name} must be a {wanted} array, but it has shape {array.shape}.")
    if not np.issubdtype(array.dtype, np.number) or np.issubdtype(array.dtype, np.complexfloating):
        raise OperationError(f"The {name} must hold real numbers, not {array.dtype} values.")
    array = array.astype(np.float64)
    if not np.all(np.isfinite(array)):
        position = tuple(int(i) for i in np.argwhere(~np.isfinite(array))[0])
        raise OperationError(f"The {name} holds {array[position]} at position {position}; every value must "
                             "be a finite number.")
    return array


def _conv_setup(image, kernel, stride, padding, dilation):
    """Checked arrays, geometries and the padded input (H', W', C) for conv2d and conv_steps."""
    image = _finite_array(image, "image", (2, 3))
    kernel = _finite_array(kernel, "kernel", (2, 4))
    if image.ndim == 2 and kernel.ndim == 2:
        image, kernel = image[:, :, None], kernel[:, :, None, None]
    elif image.ndim != 3 or kernel.ndim != 4:
        raise OperationError(f"A {image.ndim}-D image needs a {2 if image.ndim == 2 else 4}-D kernel; "
                             f"got image {image.shape} and kernel {kernel.shape}.")
    if kernel.shape[2] != image.shape[2]:
        raise OperationError(f"The image has {image.shape[2]} channels but the kernel expects "
                             f"{kernel.shape[2]} (kernel shape is (height, width, channels, filters)).")
    if _positive_int(stride, "The stride") > 1 and _positive_int(dilation, "The dilation") > 1:
        raise OperationError(f"Keras' Conv2D does not allow a stride above 1 together with a dilation above "
                             f"1 (got stride {stride}, dilation {dilation}). Set one of them to 1.")
    rows = geometry(image.shape[0], kernel.shape[0], stride, padding, dilation, "height")
    cols = geometry(image.shape[1], kernel.shape[1], stride, padding, dilation, "width")
    padded = np.pad(image, ((rows.before, rows.after), (cols.before, cols.after), (0, 0)))
    return padded, kernel, rows, cols


def _windows(padded: np.ndarray, rows: Geometry, cols: Geometry) -> np.ndarray:
    """(out_h, out_w, C, kh, kw) views of every window, strided and dilated."""
    views = sliding_window_view(padded, (rows.span, cols.span), axis=(0, 1))
    views = views[: (rows.output - 1) * rows.stride + 1 : rows.stride,
                  : (cols.output - 1) * cols.stride + 1 : cols.stride]
    return views[..., :: rows.dilation, :: cols.dilation]


def conv2d(image, kernel, stride: int = 1, padding: Padding = 0, dilation: int = 1, bias=0.0) -> np.ndarray:
    """2-D cross-correlation, exactly as ``keras.layers.Conv2D`` (channels last, no kernel flip).

    Args:
        image: (H, W) or (H, W, C) numbers.
        kernel: (kh, kw) for a 2-D image, or (kh, kw, C, F) for F filters over C channels.
        stride, dilation: whole numbers >= 1 (Keras forbids both above 1 at once, so do we).
        padding: ``"valid"``, ``"same"`` or zeros per side (int >= 0).
        bias: a number, or (F,) numbers added to each filter's output.

    Returns:
        (out_h, out_w) float64 for 2-D inputs, (out_h, out_w, F) otherwise.

    Raises:
        OperationError (a ValueError): wrong ranks, non-finite values, bad stride/padding/dilation,
            or a kernel larger than the padded input.
    """
    two_d = np.ndim(image) == 2 and np.ndim(kernel) == 2
    padded, kernel, rows, cols = _conv_setup(image, kernel, stride, padding, dilation)
    windows = _windows(padded, rows, cols)
    bias = _finite_array(bias, "bias", (0, 1))
    if two_d:  # same order of operations as conv_steps, so the animation's sums match exactly
        products = windows[:, :, 0] * kernel[:, :, 0, 0]
        return products.reshape(rows.output, cols.output, -1).sum(axis=-1) + float(bias.reshape(-1)[0])
    return np.einsum("ijcyx,yxcf->ijf", windows, kernel) + bias


@dataclass(frozen=True)
class ConvStep:
    """One output cell of a 2-D convolution, with everything an animation draws.

    Attributes:
        out_row, out_col: the output cell.
        rows, cols: (kh,), (kw,) indices of the window's cells in the *padded* input.
        window: (kh, kw) input values under the kernel; products: window * kernel.
        total: sum of the products; value: total + bias, the output cell's value.
    """

    out_row: int
    out_col: int
    rows: np.ndarray
    cols: np.ndarray
    window: np.ndarray
    products: np.ndarray
    total: float
    value: float


def conv_steps(image, kernel, stride: int = 1, padding: Padding = 0, dilation: int = 1,
               bias: float = 0.0) -> Iterator[ConvStep]:
    """The 2-D convolution one output cell at a time, row by row (arguments as :func:`conv2d`).

    Yields:
        :class:`ConvStep` for each output cell; their ``value`` s equal ``conv2d(...)`` exactly.
    """
    if np.ndim(image) != 2 or np.ndim(kernel) != 2:
        raise OperationError("The step-by-step view needs a 2-D image and a 2-D kernel.")
    padded, kernel4, rows, cols = _conv_setup(image, kernel, stride, padding, dilation)
    windows = _windows(padded, rows, cols)[:, :, 0]
    products = windows * kernel4[:, :, 0, 0]
    totals = products.reshape(rows.output, cols.output, -1).sum(axis=-1)
    bias = float(_finite_array(bias, "bias", (0,)))
    offsets_r, offsets_c = np.arange(rows.kernel) * dilation, np.arange(cols.kernel) * dilation
    for i in range(rows.output):
        for j in range(cols.output):
            yield ConvStep(i, j, i * rows.stride + offsets_r, j * cols.stride + offsets_c,
                           windows[i, j], products[i, j], float(totals[i, j]), float(totals[i, j] + bias))


def _pool_setup(x, size, stride, mode, padding):
    x = _finite_array(x, "input", (2, 3))
    if mode not in ("max", "average"):
        raise OperationError(f'The pooling mode must be "max" or "average", not {mode!r}.')
    if isinstance(padding, str) and padding.lower() not in ("valid", "same") or not isinstance(padding, str):
        raise OperationError(f'Pooling padding must be "valid" or "same", not {padding!r}.')
    size_r, size_c = (size, size) if np.ndim(size) == 0 else tuple(size)
    stride = size if stride is None else stride
    stride_r, stride_c = (stride, stride) if np.ndim(stride) == 0 else tuple(stride)
    rows = geometry(x.shape[0], size_r, stride_r, padding, 1, "height")
    cols = geometry(x.shape[1], size_c, stride_c, padding, 1, "width")
    squeeze = x.ndim == 2
    x3 = x[:, :, None] if squeeze else x
    # Keras ignores padded cells: NaN marks them, nanmax / nanmean skip them.
    padded = np.pad(x3, ((rows.before, rows.after), (cols.before, cols.after), (0, 0)), constant_values=np.nan)
    return _windows(padded, rows, cols), rows, cols, squeeze


def pool2d(x, size=2, stride=None, mode: str = "max", padding: str = "valid") -> np.ndarray:
    """Max or average pooling, exactly as Keras' ``MaxPooling2D`` / ``AveragePooling2D``.

    Args:
        x: (H, W) or (H, W, C) numbers.
        size: window size, an int or (rows, cols). stride: defaults to ``size``.
        mode: ``"max"`` or ``"average"``. padding: ``"valid"`` or ``"same"`` (padded cells are
            ignored, never counted as zeros, as in Keras).

    Returns:
        (out_h, out_w) or (out_h, out_w, C) float64.

    Raises:
        OperationError: bad mode/padding/size/stride, non-finite values, or a window larger than x.
    """
    windows, rows, cols, squeeze = _pool_setup(x, size, stride, mode, padding)
    flat = windows.reshape(rows.output, cols.output, windows.shape[2], -1)
    result = np.nanmax(flat, axis=-1) if mode == "max" else np.nanmean(flat, axis=-1)
    return result[:, :, 0] if squeeze else result


@dataclass(frozen=True)
class PoolStep:
    """One output cell of 2-D pooling.

    Attributes:
        out_row, out_col: the output cell. rows, cols: window indices in the padded input.
        window: (size, size) values, NaN where the window lies on padding.
        winner: (row, col) of the largest value inside ``window`` (the first one on ties), also
            given for average pooling. value: the output cell's value.
    """

    out_row: int
    out_col: int
    rows: np.ndarray
    cols: np.ndarray
    window: np.ndarray
    winner: tuple[int, int]
    value: float


def pool_steps(x, size=2, stride=None, mode: str = "max", padding: str = "valid") -> Iterator[PoolStep]:
    """2-D pooling one output cell at a time (arguments as :func:`pool2d`, x must be 2-D)."""
    if np.ndim(x) != 2:
        raise OperationError("The step-by-step view needs a 2-D input.")
    windows, rows, cols, _ = _pool_setup(x, size, stride, mode, padding)
    values = pool2d(x, size, stride, mode, padding)
    for i in range(rows.output):
        for j in range(cols.output):
            window = windows[i, j, 0]
            winner = np.unravel_index(np.nanargmax(window), window.shape)
            yield PoolStep(i, j, i * rows.stride + np.arange(rows.kernel), j * cols.stride + np.arange(cols.kernel),
                           window, (int(winner[0]), int(winner[1])), float(values[i, j]))


def relu(x) -> np.ndarray:
    """max(x, 0), element-wise."""
    return np.maximum(np.asarray(x, dtype=np.float64), 0.0)


def softmax(logits, axis: int = -1) -> np.ndarray:
    """Softmax along ``axis``, stable for large logits (the maximum is subtracted first)."""
    logits = np.asarray(logits, dtype=np.float64)
    shifted = np.exp(logits - np.max(logits, axis=axis, keepdims=True))
    return shifted / np.sum(shifted, axis=axis, keepdims=True)
