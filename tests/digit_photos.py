"""Test helpers: real MNIST digits made to look like photos and uploads of hand-written digits,
and a corpus of awkward uploads (truncated, empty, not an image, huge, odd modes, animated, rotated).

Shared by tests/test_images.py and benchmarks/to_mnist_accuracy.py and bad_uploads.py (which add
tests/ to their path).
"""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
from PIL import Image


def png_bytes(image: Image.Image, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG", **options)
    return buffer.getvalue()


def jpeg_bytes(image: Image.Image, quality: int = 85, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality, **options)
    return buffer.getvalue()


def dark_on_light(digit: np.ndarray) -> Image.Image:
    """An MNIST digit (28, 28) uint8, white on black -> a grey image, black ink on white paper."""
    return Image.fromarray(255 - np.asarray(digit, dtype=np.uint8))


def synthetic_photo(digit: np.ndarray, rng: np.random.Generator) -> bytes:
    """An MNIST digit as a JPEG "photo": dark ink on shaded, tinted, noisy paper, rescaled 3-8x,
    placed off-centre in a larger sheet, RGB, JPEG-compressed (quality 50-85).

    Args:
        digit: (28, 28) uint8, white on black (as in MNIST).
    """
    scale = int(rng.integers(3, 9))
    side = 28 * scale
    ink = np.asarray(Image.fromarray(digit).resize((side, side), Image.Resampling.BICUBIC), dtype=np.float32) / 255
    ink = np.clip(ink, 0, 1)
    height = int(side * rng.uniform(1.4, 2.5))
    width = int(side * rng.uniform(1.4, 2.5))
    top = int(rng.integers(0, height - side + 1))
    left = int(rng.integers(0, width - side + 1))
    paper_level = rng.uniform(170, 240)
    rows = np.linspace(-1, 1, height)[:, None]
    cols = np.linspace(-1, 1, width)[None, :]
    shading = rng.uniform(-25, 25) * rows + rng.uniform(-25, 25) * cols
    paper = paper_level + shading
    ink_map = np.zeros((height, width), dtype=np.float32)
    ink_map[top:top + side, left:left + side] = ink
    ink_level = rng.uniform(15, 70)
    grey = paper * (1 - ink_map) + ink_level * ink_map
    tint = np.array([1.0, rng.uniform(0.93, 1.0), rng.uniform(0.82, 0.97)])
    rgb = grey[..., None] * tint[None, None, :]
    rgb = rgb + rng.normal(0, rng.uniform(3, 10), rgb.shape)
    photo = Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8))
    return jpeg_bytes(photo, quality=int(rng.integers(50, 86)))


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def huge_png(width: int = 20000, height: int = 20000) -> bytes:
    """A real, valid 1-bit PNG of width x height black pixels: ~50 kB on disk,
    400 million pixels once decoded (a decompression bomb). Built row by row, cheaply."""
    row = b"\x00" + b"\x00" * ((width + 7) // 8)  # filter byte + packed bits
    compressor = zlib.compressobj(9)
    block = row * 500
    chunks = [compressor.compress(block) for _ in range(height // 500)]
    chunks.append(compressor.compress(row * (height % 500)))
    chunks.append(compressor.flush())
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", b"".join(chunks))
            + _png_chunk(b"IEND", b""))


def rectangle(height: int, width: int, top: int, left: int, size=(120, 160), ink=255, paper=0) -> np.ndarray:
    canvas = np.full(size, paper, dtype=np.uint8)
    canvas[top:top + height, left:left + width] = ink
    return canvas


def digit_rgb(mnist) -> Image.Image:
    (_, _), (x_test, _) = mnist
    return dark_on_light(x_test[0]).resize((112, 112)).convert("RGB")


def animated_gif(mnist) -> bytes:
    (_, _), (x_test, _) = mnist
    frames = [dark_on_light(x_test[0]).convert("P"), dark_on_light(x_test[1]).convert("P")]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    return buffer.getvalue()


def exif_rotated(mnist) -> bytes:
    # A tall bar stored lying on its side, with EXIF saying "rotate 90° to view".
    stored = Image.fromarray(rectangle(20, 80, top=50, left=40, ink=0, paper=230))
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: the camera was turned
    return jpeg_bytes(stored.convert("RGB"), exif=exif.tobytes())


def palette_with_alpha(mnist) -> bytes:
    rgba = digit_rgb(mnist).convert("RGBA")
    pixels = np.asarray(rgba).copy()
    pixels[..., 3] = np.where(pixels[..., 0] > 128, 0, 255)  # paper transparent, ink opaque
    palette_image = Image.fromarray(pixels).quantize(colors=16)  # RGBA -> "P" with a transparent entry
    assert palette_image.mode == "P"
    return png_bytes(palette_image)


def sixteen_bit(mnist) -> bytes:
    grey = np.asarray(digit_rgb(mnist).convert("L"), dtype=np.uint16) * 257
    image = Image.fromarray(grey)
    assert image.mode.startswith("I;16")
    return png_bytes(image)


def cmyk_jpeg(mnist) -> bytes:
    return jpeg_bytes(digit_rgb(mnist).convert("CMYK"))


# name -> builder(mnist) -> the file's bytes; MUST_FAIL are refused with an ImageError, the rest decode.
BAD_FILES = {
    "truncated png": lambda mnist: png_bytes(digit_rgb(mnist))[:300],
    "zero bytes": lambda mnist: b"",
    "text renamed png": lambda mnist: b"This is my homework, not a picture.\n" * 3,
    "20000x20000 png": lambda mnist: huge_png(),
    "16-bit png": sixteen_bit,
    "cmyk jpeg": cmyk_jpeg,
    "palette with alpha": palette_with_alpha,
    "animated gif": animated_gif,
    "exif rotated photo": exif_rotated,
}
MUST_FAIL = {"truncated png", "zero bytes", "text renamed png", "20000x20000 png"}
