"""Helpers shared by the tests: waiting for a condition, checking that code leaves TensorFlow out,
and stand-ins for what a fresh clone lacks (a photo, Keras' ImageNet class index)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

REPO_ROOT = Path(__file__).resolve().parents[1]
HEAVY_MODULES = ("keras", "tensorflow")


def until(condition, timeout: float = 90.0, poll: float = 0.02) -> bool:
    """Call ``condition()`` every ``poll`` seconds until it is true (True) or ``timeout`` passes (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(poll)
    return False


def heavy_imports(code: str, timeout: float = 300) -> tuple[list[str], str]:
    """Run ``code`` in a fresh Python in the repository root.

    Returns:
        ``(heavy, printed)``: which of keras and tensorflow the code left in ``sys.modules``, and
        what it printed to stdout.
    """
    probe = (f"{code}\nimport json as _json, sys as _sys\n"
             f"print(_json.dumps([name for name in {HEAVY_MODULES!r} if name in _sys.modules]))")
    # The server's background warm-up (cnnviz.ui.warmup) loads TensorFlow on purpose; these checks
    # are about what the code under test imports, so it stays off here.
    environment = {**os.environ, "CNNVIZ_WARM_UP": "0"}
    result = subprocess.run([sys.executable, "-c", probe], cwd=REPO_ROOT, capture_output=True, text=True,
                            timeout=timeout, env=environment)
    assert result.returncode == 0, result.stdout + result.stderr
    *printed, heavy = result.stdout.strip().splitlines()
    return json.loads(heavy), "\n".join(printed)


def pages_leave_tensorflow_out(page_paths: list[str]) -> dict:
    """Open the router and then each page in a fresh Python through AppTest.

    Returns:
        ``{"errors": [exception messages], "tensorflow": imported?, "keras": imported?}``.
    """
    heavy, printed = heavy_imports(f"""
import json, sys
sys.path.insert(0, "tests")
from pages_list import open_app
app = open_app()
errors = [e.value for e in app.exception]
for path in {list(page_paths)!r}:
    app.switch_page(path).run()
    errors += [e.value for e in app.exception]
print(json.dumps(errors))
""")
    return {"errors": json.loads(printed.splitlines()[-1]), "tensorflow": "tensorflow" in heavy,
            "keras": "keras" in heavy}


def photo_like(width: int = 320, height: int = 240, seed: int = 0) -> bytes:
    """A small JPEG that looks like a photo (sky, grass, a round brown shape, sensor noise), made here
    so that no test depends on files outside the repository."""
    rng = np.random.default_rng(seed)
    rows = np.linspace(0.0, 1.0, height)[:, None, None]
    sky = np.array([110, 160, 230]) * (1 - rows) + np.array([200, 220, 250]) * rows
    pixels = np.broadcast_to(sky, (height, width, 3)).copy()
    pixels[int(height * 0.65):] = (70, 130, 50)
    image = Image.fromarray(np.clip(pixels + rng.normal(0, 6, pixels.shape), 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    draw.ellipse((width * 0.3, height * 0.35, width * 0.7, height * 0.85), fill=(150, 100, 60))
    draw.ellipse((width * 0.55, height * 0.25, width * 0.75, height * 0.5), fill=(130, 85, 50))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


def write_class_index(keras_home: Path, classes: int = 1000) -> dict[int, tuple[str, str]]:
    """A stand-in for Keras' ``imagenet_class_index.json`` in ``keras_home/models``: made-up WordNet
    ids and labels, in the real file's layout (``{"0": ["n01440764", "tench"], ...}``)."""
    index = {number: (f"n{number:08d}", f"class_{number}_label") for number in range(classes)}
    folder = keras_home / "models"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "imagenet_class_index.json").write_text(
        json.dumps({str(number): list(entry) for number, entry in index.items()}))
    return index


def html_tables(app) -> list[dict[str, list[str]]]:
    """The tables ``cnnviz.ui.table`` drew in an AppTest run, in page order: ``{column: [cell text]}``,
    the texts as a student reads them (``"9,248"``)."""
    from html.parser import HTMLParser

    class Reader(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.rows: list[list[str]] = []
            self.cell: list[str] | None = None

        def handle_starttag(self, tag, attrs) -> None:
            if tag == "tr":
                self.rows.append([])
            elif tag in ("td", "th"):
                self.cell = []

        def handle_endtag(self, tag) -> None:
            if tag in ("td", "th") and self.cell is not None:
                self.rows[-1].append("".join(self.cell))
                self.cell = None

        def handle_data(self, text) -> None:
            if self.cell is not None:
                self.cell.append(text)

    tables = []
    for element in app.get("html"):
        if '<table class="cnnviz-table"' not in element.proto.body:
            continue
        reader = Reader()
        reader.feed(element.proto.body)
        header, *rows = reader.rows
        tables.append({name: [row[i] for row in rows] for i, name in enumerate(header)})
    return tables
