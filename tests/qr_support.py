"""Reading a QR code image back into its modules, to check that the picture students scan holds exactly
the link shown beside it. No pure-Python QR decoder on PyPI fits, so the shown text is encoded again
with the app's own settings and the two module grids are compared (a different link, or a picture
of one, gives a different grid)."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

FINDER_MODULES = 7  # a QR code's corner squares are 7 modules wide


def qr_modules(png: bytes) -> list[list[bool]]:
    """The dark (True) and light modules of the QR code in a PNG, quiet zone left out.

    The number of modules across is read off the top-left finder pattern (its first dark run is 7
    modules), the module size off the whole width, and each module is sampled at its centre; so a
    picture shown resized (not a whole number of pixels per module) still reads right.
    """
    dark = np.asarray(Image.open(io.BytesIO(png)).convert("L")) < 128
    rows, cols = np.flatnonzero(dark.any(axis=1)), np.flatnonzero(dark.any(axis=0))
    top, left, bottom, right = rows[0], cols[0], rows[-1], cols[-1]
    first_run = int(np.argmin(dark[top, left:]))  # length of the finder's top edge, in pixels
    estimate = (right - left + 1) / (first_run / FINDER_MODULES)
    count = 4 * round((estimate - 17) / 4) + 17  # a QR code is 21, 25, 29, ... modules across
    assert abs((bottom - top + 1) - (right - left + 1)) <= 2, "the code is not square"
    module = (right - left + 1) / count  # the exact size, from the whole width (the picture may be resized)
    centres = ((np.arange(count) + 0.5) * module).astype(int)
    return dark[top + centres][:, left + centres].tolist()


def qr_modules_of(text: str) -> list[list[bool]]:
    """The modules of ``text`` encoded as the app encodes it (cnnviz.ui.lesson.qr_png)."""
    import segno

    from cnnviz.ui import lesson

    return [[bool(cell) for cell in row] for row in segno.make(text, error=lesson.QR_ERROR_LEVEL).matrix]
