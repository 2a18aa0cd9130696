"""Test helpers: real MNIST digits made to look like photos and uploads of hand-written digits.

Shared by tests/test_images.py and benchmarks/to_mnist_accuracy.py (which adds tests/ to its path).
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
