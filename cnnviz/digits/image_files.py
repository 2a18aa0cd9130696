"""Safe decoding of an uploaded picture: bytes in, a Pillow image in mode L or RGB out.

Nothing in the file is trusted: the pixel count is read from the header before decoding
(decompression bombs), EXIF orientation is applied, odd modes (LA, P with transparency, CMYK,
I;16, F) are normalised, and only the first frame of an animation is kept. Every failure is an
:class:`ImageError` whose message a student understands. Pillow and numpy only.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageOps

MAX_PIXELS = 50_000_000  # a 48-megapixel phone photo passes; a decompression bomb does not
ALLOWED_FORMATS = ("PNG", "JPEG", "GIF", "BMP", "WEBP", "TIFF")  # JPEG also opens phones' MPO files


class ImageError(ValueError):
    """The image cannot be used; the message says why and what to do, in plain words."""



def open_image(data: bytes, max_pixels: int = MAX_PIXELS) -> Image.Image:
    """Decode an uploaded file safely.

    Args:
        data: the file's bytes (PNG, JPEG, GIF, BMP, WebP or TIFF).
        max_pixels: the largest width x height accepted, checked from the header before the
            pixels are decoded (so a 20000 x 20000 "bomb" costs nothing).

    Returns:
        A loaded Pillow image in mode ``"L"`` (grey) or ``"RGB"``, upright (EXIF orientation
        applied), first frame only for animations, transparency flattened onto a contrasting
        background. Large JPEGs are decoded at a reduced scale (at least ~1000 px on a side).

    Raises:
        ImageError: empty file, not an image, truncated or damaged, or too many pixels.
    """
    if data is None or len(data) == 0:
        raise ImageError("The file is empty (0 bytes). Choose a PNG or JPEG picture.")
    try:
        image = Image.open(io.BytesIO(bytes(data)), formats=ALLOWED_FORMATS)
    except Image.DecompressionBombError as error:
        raise too_large_error(error) from error
    except Exception as error:  # Pillow raises many types for junk (UnidentifiedImageError, SyntaxError, ...)
        raise ImageError(
            "This file is not a picture we can read. Upload a PNG or JPEG image "
            "(a renamed text file or an iPhone HEIC photo will not work)."
        ) from error
    width, height = image.size
    if width * height > max_pixels:
        raise too_large_error(None, width, height, max_pixels)
    if width == 0 or height == 0:
        raise ImageError("This picture has no pixels (width or height is 0). Choose another file.")
    try:
        if image.format in ("JPEG", "MPO"):
            # Decode big photos at 1/2, 1/4 or 1/8 scale: far less memory and time, same digit.
            image.draft(image.mode, (1024, 1024))
        image.seek(0)  # first frame of an animation
        image.load()
        image = ImageOps.exif_transpose(image)
        return normalise_mode(image)
    except ImageError:
        raise
    except Image.DecompressionBombError as error:
        raise too_large_error(error) from error
    except Exception as error:  # truncated data surfaces as OSError, SyntaxError, zlib errors...
        raise ImageError(
            "The picture file is damaged or incomplete (it may have been cut off while copying). "
            "Save it again as PNG or JPEG and upload it again."
        ) from error


def too_large_error(error, width: int = 0, height: int = 0, limit: int = MAX_PIXELS) -> ImageError:
    size = f" ({width} x {height} pixels)" if width else ""
    return ImageError(
        f"The picture is too large{size}: at most {limit / 1e6:.0f} million pixels are accepted. "
        "Shrink it (a few hundred pixels across are plenty here) and upload it again."
    )


def normalise_mode(image: Image.Image) -> Image.Image:
    """Any Pillow mode -> ``"L"`` or ``"RGB"``.

    Transparent images are laid on a background that contrasts with their visible pixels
    (white behind dark ink, black behind light ink); 16-bit and float images are rescaled to
    0..255; CMYK, YCbCr, LAB and HSV become RGB.

    Raises:
        ImageError: a mode that cannot be turned into grey or colour.
    """
    mode = image.mode
    if mode in ("L", "RGB"):
        return image
    if mode == "1":
        return image.convert("L")
    if mode == "P" or mode == "PA":
        has_alpha = mode == "PA" or "transparency" in image.info
        image = image.convert("RGBA" if has_alpha else "RGB")
        mode = image.mode
        if mode == "RGB":
            return image
    if mode in ("LA", "La", "RGBA", "RGBa"):
        return _flatten_alpha(image.convert("RGBA"))
    if mode.startswith("I") or mode == "F":
        return Image.fromarray(_to_uint8(np.asarray(image.convert("F") if mode != "F" else image)))
    try:
        return image.convert("RGB")
    except Exception as error:
        raise ImageError(f"Pictures in colour mode {mode!r} are not supported. Save it as PNG or JPEG.") from error


def _to_uint8(values: np.ndarray) -> np.ndarray:
    """Grey values of unknown range (16-bit, 32-bit, float) -> uint8 0..255."""
    values = np.nan_to_num(values.astype(np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    low, high = float(values.min()), float(values.max())
    if low >= 0 and high <= 1.0:
        scaled = values * 255.0  # float image in 0..1
    elif low >= 0 and high <= 255:
        scaled = values
    elif low >= 0 and high <= 65535:
        scaled = values / 257.0  # 16-bit
    else:
        scaled = (values - low) / max(high - low, 1e-12) * 255.0
    return np.clip(np.rint(scaled), 0, 255).astype(np.uint8)


def _flatten_alpha(rgba: Image.Image) -> Image.Image:
    """Lay an RGBA image on white if its visible pixels are dark, else on black."""
    pixels = np.asarray(rgba, dtype=np.float32)
    alpha = pixels[..., 3] / 255.0
    if alpha.min() >= 1.0:
        return rgba.convert("RGB")
    luminance = pixels[..., :3] @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    visible_brightness = float((luminance * alpha).sum() / max(alpha.sum(), 1e-6))
    background = (255, 255, 255) if visible_brightness < 128 else (0, 0, 0)
    canvas = Image.new("RGB", rgba.size, background)
    canvas.paste(rgba, mask=rgba.getchannel("A"))
    return canvas
