"""A corpus of things a student might give "Your digit" that are not a handwritten digit, all made
here with numpy and Pillow: photos of objects, cartoon faces, blank canvases and paper, scribbles,
printed words, patterns and little drawings.

Each input is what the page receives: the bytes of a PNG or JPEG file (an upload or a camera photo),
or an RGBA array as the drawing canvas gives it ((280, 280, 4) uint8, white strokes on a
transparent background). :func:`prepare` sends it through the page's own preprocessing.

For comparison, :func:`drawn_digit` draws a real MNIST digit the way the canvas would return it,
with a thinner or thicker pen.

Shared by tests/test_novelty.py and benchmarks/not_a_digit.py (which adds tests/ to its path).
"""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import Callable, NamedTuple

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from cnnviz.digits import images

CANVAS_SIDE = 280  # the page's drawing canvas is 280 x 280
FONT_FOLDER = Path(__import__("matplotlib").get_data_path()) / "fonts" / "ttf"  # DejaVu ships with matplotlib
FONTS = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSerif.ttf", "DejaVuSerif-Italic.ttf",
         "DejaVuSansMono.ttf", "DejaVuSans-Oblique.ttf")
WORDS = ("cat", "hello", "dog", "mnist", "seven", "maths", "Tom", "pizza", "yes", "homework", "abc", "robot",
         "Lea", "sun", "hi mum", "CNN")


class NonDigit(NamedTuple):
    """One corpus input: its kind, a short name, and what the page receives (file bytes or an RGBA array)."""

    kind: str
    name: str
    raw: bytes | np.ndarray


# --------------------------------------------------------------------------- pictures as the page gets them


def _file(image: Image.Image, rng: np.random.Generator) -> bytes:
    """An RGB picture saved as an upload would be: JPEG (a photo) or PNG, chosen at random."""
    buffer = io.BytesIO()
    if rng.random() < 0.5:
        image.convert("RGB").save(buffer, "JPEG", quality=int(rng.integers(60, 92)))
    else:
        image.convert("RGB").save(buffer, "PNG")
    return buffer.getvalue()


def _canvas() -> tuple[Image.Image, ImageDraw.ImageDraw]:
    """An empty drawing canvas: fully transparent, as the page's canvas returns before any stroke."""
    image = Image.new("RGBA", (CANVAS_SIDE, CANVAS_SIDE), (0, 0, 0, 0))
    return image, ImageDraw.Draw(image)


def _canvas_array(image: Image.Image) -> np.ndarray:
    """(280, 280, 4) uint8: the canvas as ``st_canvas(...).image_data``."""
    return np.asarray(image, dtype=np.uint8).copy()


def _paper(rng: np.random.Generator, width: int = 320, height: int = 320) -> Image.Image:
    """White-ish paper with a little shading, to draw dark ink on."""
    level = rng.uniform(200, 250)
    shading = rng.uniform(-15, 15) * np.linspace(-1, 1, width)[None, :]
    grey = np.clip(level + shading + np.zeros((height, 1)), 0, 255)
    return Image.fromarray(grey.astype(np.uint8)).convert("RGB")


def _noisy(image: Image.Image, rng: np.random.Generator, sigma: float) -> Image.Image:
    pixels = np.asarray(image, dtype=np.float32)
    return Image.fromarray(np.clip(pixels + rng.normal(0, sigma, pixels.shape), 0, 255).astype(np.uint8))


def _colour(rng: np.random.Generator, low: int = 0, high: int = 256) -> tuple[int, int, int]:
    return tuple(int(value) for value in rng.integers(low, high, 3))


# --------------------------------------------------------------------------- the kinds


def photo_of_an_object(rng: np.random.Generator, index: int) -> bytes:
    """Photo-like scenes: a round animal-like shape on grass, coloured shapes on a gradient, a
    texture, or a mug on a table; with sensor noise."""
    width, height = int(rng.integers(240, 480)), int(rng.integers(200, 400))
    scene = index % 4
    rows = np.linspace(0, 1, height)[:, None, None]
    top, bottom = np.array(_colour(rng)), np.array(_colour(rng))
    image = Image.fromarray((top * (1 - rows) + bottom * rows + np.zeros((1, width, 1))).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    if scene == 0:  # an animal-like blob with a head on grass
        draw.rectangle((0, height * rng.uniform(0.55, 0.75), width, height), fill=_colour(rng, 40, 160))
        x, y = width * rng.uniform(0.25, 0.6), height * rng.uniform(0.3, 0.5)
        size = min(width, height) * rng.uniform(0.25, 0.45)
        body = _colour(rng, 60, 220)
        draw.ellipse((x, y, x + size * 1.4, y + size), fill=body)
        draw.ellipse((x + size * 1.1, y - size * 0.4, x + size * 1.7, y + size * 0.3), fill=body)
    elif scene == 1:  # several coloured shapes
        for _ in range(int(rng.integers(3, 8))):
            x, y = rng.uniform(0, width), rng.uniform(0, height)
            w, h = rng.uniform(20, width / 2), rng.uniform(20, height / 2)
            (draw.ellipse if rng.random() < 0.5 else draw.rectangle)((x, y, x + w, y + h), fill=_colour(rng))
    elif scene == 2:  # a texture: blurred noise, like fabric, bark or gravel
        noise = rng.normal(128, 60, (height, width, 3)).clip(0, 255).astype(np.uint8)
        image = Image.fromarray(noise).filter(ImageFilter.GaussianBlur(float(rng.uniform(1, 6))))
    else:  # a mug on a table
        draw.rectangle((0, height * 0.6, width, height), fill=_colour(rng, 80, 200))
        x, y = width * rng.uniform(0.25, 0.5), height * rng.uniform(0.2, 0.35)
        w, h = width * 0.25, height * 0.45
        mug = _colour(rng)
        draw.rectangle((x, y, x + w, y + h), fill=mug)
        draw.ellipse((x + w - w * 0.2, y + h * 0.2, x + w * 1.4, y + h * 0.7), outline=mug, width=int(w * 0.1) + 1)
    return _file(_noisy(image.convert("RGB"), rng, float(rng.uniform(2, 10))), rng)


def _face(draw: ImageDraw.ImageDraw, rng: np.random.Generator, side: int, ink, width: int) -> None:
    centre, radius = side / 2 + rng.uniform(-20, 20), side * rng.uniform(0.3, 0.42)
    draw.ellipse((centre - radius, centre - radius, centre + radius, centre + radius), outline=ink, width=width)
    eye = radius * 0.15
    for side_sign in (-1, 1):
        ex, ey = centre + side_sign * radius * 0.4, centre - radius * 0.3
        draw.ellipse((ex - eye, ey - eye, ex + eye, ey + eye), fill=ink)
    mouth = radius * 0.55
    start, end = (20, 160) if rng.random() < 0.7 else (200, 340)
    draw.arc((centre - mouth, centre - mouth * 0.6, centre + mouth, centre + mouth * 0.9), start, end, fill=ink,
             width=width)
    if rng.random() < 0.5:  # a nose
        draw.line((centre, centre - radius * 0.1, centre - radius * 0.1, centre + radius * 0.15), fill=ink, width=width)


def cartoon_face(rng: np.random.Generator, index: int) -> bytes | np.ndarray:
    """A smiley face: drawn on the canvas, or in dark ink on paper and uploaded."""
    if index % 2 == 0:
        image, draw = _canvas()
        _face(draw, rng, CANVAS_SIDE, (255, 255, 255, 255), int(rng.integers(10, 30)))
        return _canvas_array(image)
    paper = _paper(rng)
    _face(ImageDraw.Draw(paper), rng, 320, _colour(rng, 0, 80), int(rng.integers(4, 14)))
    return _file(_noisy(paper, rng, 4), rng)


def blank(rng: np.random.Generator, index: int) -> bytes | np.ndarray:
    """Nothing drawn: an empty canvas, a canvas with a speck or two, or a photo of blank paper."""
    kind = index % 3
    if kind == 0:
        return _canvas_array(_canvas()[0])
    if kind == 1:
        image, draw = _canvas()
        for _ in range(int(rng.integers(1, 4))):
            x, y, size = rng.uniform(20, 260), rng.uniform(20, 260), rng.uniform(3, 12)
            draw.ellipse((x, y, x + size, y + size), fill=(255, 255, 255, 255))
        return _canvas_array(image)
    return _file(_noisy(_paper(rng), rng, float(rng.uniform(2, 8))), rng)


def scribble(rng: np.random.Generator, index: int) -> np.ndarray:
    """What a bored student draws: random strokes, a zig-zag, a filled area, a spiral or hatching."""
    image, draw = _canvas()
    ink, pen = (255, 255, 255, 255), int(rng.integers(10, 40))
    kind = index % 5
    if kind == 0:
        points = [tuple(rng.uniform(20, 260, 2)) for _ in range(int(rng.integers(6, 14)))]
        draw.line(points, fill=ink, width=pen, joint="curve")
    elif kind == 1:
        count = int(rng.integers(5, 10))
        low, high = rng.uniform(40, 110), rng.uniform(170, 240)
        points = [(30 + 220 * step / count, low if step % 2 else high) for step in range(count + 1)]
        draw.line(points, fill=ink, width=pen, joint="curve")
    elif kind == 2:
        corners = [tuple(rng.uniform(20, 260, 2)) for _ in range(int(rng.integers(4, 7)))]
        draw.polygon(corners, fill=ink)
    elif kind == 3:
        turns, points = rng.uniform(2.5, 4), []
        for step in range(200):
            angle = 2 * math.pi * turns * step / 200
            radius = 10 + 110 * step / 200
            points.append((140 + radius * math.cos(angle), 140 + radius * math.sin(angle)))
        draw.line(points, fill=ink, width=int(rng.integers(8, 16)), joint="curve")
    else:
        spacing = rng.uniform(25, 45)
        for offset in np.arange(-280, 280, spacing):
            draw.line((offset, 260, offset + 240, 20), fill=ink, width=int(rng.integers(8, 16)))
    return _canvas_array(image)


def text(rng: np.random.Generator, index: int) -> bytes:
    """A printed or typed word of two or more letters, dark on paper (a screenshot or a photo of a page)."""
    word = WORDS[index % len(WORDS)]
    font = ImageFont.truetype(str(FONT_FOLDER / FONTS[index % len(FONTS)]), int(rng.integers(40, 90)))
    paper = _paper(rng, 480, 240)
    draw = ImageDraw.Draw(paper)
    left, top, right, bottom = draw.textbbox((0, 0), word, font=font)
    x = (480 - (right - left)) / 2 + rng.uniform(-20, 20) - left
    draw.text((x, (240 - (bottom - top)) / 2 - top), word, fill=_colour(rng, 0, 70), font=font)
    return _file(_noisy(paper, rng, float(rng.uniform(1, 6))), rng)


def pattern(rng: np.random.Generator, index: int) -> bytes:
    """A checkerboard, stripes, a grid or dots (a screenshot, a tablecloth, graph paper)."""
    side = int(rng.integers(160, 360))
    rows, cols = np.mgrid[0:side, 0:side]
    cell = int(rng.integers(12, 50))
    kind = index % 4
    if kind == 0:
        on = ((rows // cell) + (cols // cell)) % 2 == 0
    elif kind == 1:
        on = ((rows + cols * rng.uniform(-1, 1)) // cell) % 2 == 0
    elif kind == 2:
        on = (rows % cell < 3) | (cols % cell < 3)
    else:
        on = ((rows % cell - cell / 2) ** 2 + (cols % cell - cell / 2) ** 2) < (cell / 4) ** 2
    dark, light = np.array(_colour(rng, 0, 90)), np.array(_colour(rng, 170, 256))
    pixels = np.where(on[..., None], dark, light).astype(np.uint8)
    return _file(_noisy(Image.fromarray(pixels), rng, float(rng.uniform(0, 6))), rng)


def drawing(rng: np.random.Generator, index: int) -> np.ndarray:
    """A little picture drawn on the canvas: a house, a sun, a star, a flower or a tree."""
    image, draw = _canvas()
    ink, pen = (255, 255, 255, 255), int(rng.integers(8, 22))
    x, y = rng.uniform(-15, 15, 2) + 140
    kind = index % 5
    if kind == 0:  # a house: walls, roof, door
        draw.rectangle((x - 80, y - 20, x + 80, y + 110), outline=ink, width=pen)
        draw.line([(x - 100, y - 10), (x, y - 110), (x + 100, y - 10)], fill=ink, width=pen)
        draw.rectangle((x - 20, y + 40, x + 20, y + 110), outline=ink, width=pen)
    elif kind == 1:  # a sun with rays
        draw.ellipse((x - 45, y - 45, x + 45, y + 45), outline=ink, width=pen)
        for ray in range(int(rng.integers(6, 12))):
            angle = 2 * math.pi * ray / 8
            draw.line((x + 65 * math.cos(angle), y + 65 * math.sin(angle),
                       x + 120 * math.cos(angle), y + 120 * math.sin(angle)), fill=ink, width=pen)
    elif kind == 2:  # a five-pointed star
        points = [(x + (115 if step % 2 == 0 else 45) * math.sin(math.pi * step / 5),
                   y - (115 if step % 2 == 0 else 45) * math.cos(math.pi * step / 5)) for step in range(11)]
        draw.line(points, fill=ink, width=pen, joint="curve")
    elif kind == 3:  # a flower: petals round a centre, a stem
        for petal in range(6):
            angle = 2 * math.pi * petal / 6
            px, py = x + 50 * math.cos(angle), y - 40 + 50 * math.sin(angle)
            draw.ellipse((px - 28, py - 28, px + 28, py + 28), outline=ink, width=pen)
        draw.line((x, y + 10, x, y + 130), fill=ink, width=pen)
    else:  # a tree: a crown of loops and a trunk with roots
        for _ in range(5):
            cx, cy = x + rng.uniform(-60, 60), y - 50 + rng.uniform(-40, 40)
            draw.ellipse((cx - 45, cy - 45, cx + 45, cy + 45), outline=ink, width=pen)
        draw.line((x - 15, y + 130, x - 10, y + 20), fill=ink, width=pen)
        draw.line((x + 15, y + 130, x + 10, y + 20), fill=ink, width=pen)
    return _canvas_array(image)


KINDS: dict[str, Callable[[np.random.Generator, int], bytes | np.ndarray]] = {
    "photo of an object": photo_of_an_object,
    "cartoon face": cartoon_face,
    "blank canvas or paper": blank,
    "scribble": scribble,
    "printed word": text,
    "pattern": pattern,
    "drawing": drawing,
}


def corpus(per_kind: int = 50, seed: int = 14) -> list[NonDigit]:
    """``per_kind`` inputs of each kind in :data:`KINDS`, reproducible from ``seed``."""
    rng = np.random.default_rng(seed)
    return [NonDigit(kind, f"{kind} {index}", make(rng, index))
            for kind, make in KINDS.items() for index in range(per_kind)]


def drawn_digit(digit: np.ndarray, height: int = 200, thicker_by: int = 0) -> np.ndarray:
    """An MNIST digit as if drawn on the canvas: scaled to ``height`` px, its strokes made solid
    white (opaque) on a transparent background, then ``thicker_by`` px thicker (rounded down to an
    even number). Its own strokes are about 2.5/20 of its height: about 25 px at 200 px tall.
    (Thinning them the same way would break strokes apart, which a thin pen does not, so this
    only thickens.)

    Args:
        digit: (28, 28) uint8, white on black (as in MNIST).

    Returns:
        (280, 280, 4) uint8, as ``st_canvas(...).image_data``.
    """
    scaled = Image.fromarray(digit).resize((height, height), Image.Resampling.BICUBIC)
    strokes = scaled.point(lambda value: 255 if value > 128 else 0)
    if thicker_by > 0:
        strokes = strokes.filter(ImageFilter.MaxFilter(2 * (thicker_by // 2) + 1))  # odd sizes only
    canvas = np.zeros((CANVAS_SIDE, CANVAS_SIDE, 4), dtype=np.uint8)
    top = (CANVAS_SIDE - height) // 2
    canvas[top:top + height, top:top + height, :3] = 255
    canvas[top:top + height, top:top + height, 3] = np.asarray(strokes)
    return canvas


def prepare(raw: bytes | np.ndarray) -> np.ndarray:
    """What the page does with an input: ``images.to_mnist_steps`` with the ink guessed, last step.

    Returns:
        (28, 28) float32 in 0..1, white on black.

    Raises:
        cnnviz.digits.image_files.ImageError: the page refuses it already (blank, unreadable).
    """
    return images.to_mnist_steps(raw, None)[-1].image
