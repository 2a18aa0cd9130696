"""A school day on one server: memory and speed over many rounds of a class, Xception included.

For each configuration one server is started and, once warm, goes through ``--rounds`` rounds. In a
round ``--students`` protocol-level students (``upload_client.StudentSession``) open every lesson
page and move one widget on each, as ``load.py`` does; besides:

- ``--photos`` of them upload a new 12-megapixel phone photo (a JPEG of a few MB, different in every
  round) to Xception **at the same moment** (they wait for each other between the upload and the
  rerun), then ask Grad-CAM about another class;
- ``--digits`` of them upload a new picture of a handwritten digit on "Your digit" and press "See
  this digit inside the CNN" (feature maps of a digit nobody has sent before);
- one of them opens the playground from a link with ``epochs=1`` (``--train-epochs``; the page's other
  defaults: 10,000 images, batch 64), presses **Train** and follows the run to its end through the
  page's own polls (a fragment with ``run_every``).

Per round it prints the server process's peak resident memory (RSS), its RSS at the end of the
round (the students gone, the server idle), the training worker's peak RSS and PSS (PSS shares
the pages of libraries both processes map), the worst p95 of the page loads and widget changes, the
heavy actions' times, and errors; then the growth of the end-of-round RSS from round 2 to the last,
and what the idle server held after rounds 1, 2 and the last, part by part, the biggest change first
(Streamlit's own ``/_stcore/metrics``; with ``--probe`` also a census from inside the server by
``memory_probe/sitecustomize.py``: glibc's heaps, Python's objects by kind, live sessions, each
byte-sized cache).

    python benchmarks/memory.py after=. --rounds 3                    # one configuration, quickly
    python benchmarks/memory.py after=. --rounds 6 --probe            # and what grows, from inside
    python benchmarks/memory.py before=/tmp/cnnviz-before after=.     # the app folder per label
    python benchmarks/memory.py on=.,TF_ENABLE_ONEDNN_OPTS=1 off=.,TF_ENABLE_ONEDNN_OPTS=0 --json m.json

A configuration is ``LABEL=APP_FOLDER[,VARIABLE=VALUE...]``: the server runs ``streamlit run app.py``
in that folder with those environment variables. Xception needs weights: ``CNNVIZ_XCEPTION_WEIGHTS``
(a random-weights file of the same size does: ``keras.applications.Xception(weights=None)
.save_weights("x.weights.h5")``); without it the page says so and the uploads measure nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import numpy as np
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import PAGES as LESSON_PAGES, SHARED_MNIST, WIDGET_KEYS, free_port, percentile, stop_server, wait_until_idle  # noqa: E402
from streamlit_client import find_widget  # noqa: E402
from upload_client import StudentSession  # noqa: E402

PHOTOS = [Path(__file__).resolve().parents[2] / "shared" / "images" / name for name in ("puppy.jpg", "labrador.jpg")]
PHONE_PHOTO = (4032, 3024)  # 12 megapixels, as a phone takes them
PAGE_ORDER = ["matrix", "convolution", "pooling", "mlp-vs-cnn", "inside-the-cnn", "your-digit", "train-your-own",
              "xception"]  # the lesson's order
PAGE_PATHS = {**LESSON_PAGES, "train-your-own": "train-your-own"}
CHANGES = {**WIDGET_KEYS, "train-your-own": ["playground_dropout"]}
HEAVY_ACTIONS = ("upload photo", "another class", "upload digit", "inside, own digit")
TRAINING_DONE = re.compile(r"Test accuracy: \*\*[\d.]+%\*\* on the 10,000 test digits \((\d+) s\)")
SERVER_FLAGS = ["--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
                "--server.fileWatcherType", "none"]


# ----------------------------------------------------------------------------- what students send


def phone_photo(round_number: int, student: int) -> bytes:
    """A 12-megapixel JPEG, different for every round and student (a tint and grain of its own)."""
    generator = np.random.default_rng(round_number * 1000 + student)
    from PIL import Image

    base = Image.open(PHOTOS[student % len(PHOTOS)]).convert("RGB").resize(PHONE_PHOTO, Image.Resampling.BILINEAR)
    pixels = np.asarray(base, dtype=np.float32) * generator.uniform(0.85, 1.15, size=3)
    pixels += generator.normal(0, 3, size=(PHONE_PHOTO[1] // 8, PHONE_PHOTO[0] // 8, 3)).repeat(8, 0).repeat(8, 1)
    buffer = io.BytesIO()
    Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(buffer, format="JPEG", quality=88)
    return buffer.getvalue()


def digit_picture(test_digits: np.ndarray, round_number: int, student: int) -> bytes:
    """A test digit as a student's photo of it: dark ink on white paper, 280 x 280 PNG, new every round."""
    from PIL import Image

    digit = test_digits[(round_number * 97 + student * 13) % len(test_digits)]
    paper = Image.fromarray(255 - digit).resize((280, 280), Image.Resampling.BILINEAR)
    buffer = io.BytesIO()
    paper.save(buffer, format="PNG")
    return buffer.getvalue()


# ----------------------------------------------------------------------------- one round


def entry(student: int, page: str, action: str, result, session: StudentSession | None = None) -> dict:
    return {"student": student, "page": page, "action": action, "seconds": result.seconds, "status": result.status,
            "errors": list(result.errors), "first_element_s": session.first_message_s if session else None}


async def student_walk(url: str, student: int, plan: dict, barrier: asyncio.Barrier | None) -> list[dict]:
    """One student's round: every page, one widget on each, and the student's heavy actions."""
    await asyncio.sleep(plan["jitter"][student])
    session = StudentSession(url, plan["timeout_s"])
    records = []
    try:
        await session.connect()
    except Exception as error:  # the whole session counts as one error
        return [{"student": student, "page": "(connect)", "action": "load", "seconds": 0.0, "status": "disconnected",
                 "errors": [repr(error)], "first_element_s": None}]
    trainer = plan["train"] and student == 0
    try:
        if trainer:  # a shared link with fewer epochs: the worker's memory, not its patience, is measured
            opened = await session.open(PAGE_PATHS["train-your-own"], epochs=str(plan["train_epochs"]))
            records.append(entry(student, "train-your-own", "load", opened))
            records.append(entry(student, "train-your-own", "press Train", await session.press("playground_train")))
        for page in PAGE_ORDER:
            loaded = await session.open(PAGE_PATHS[page])
            records.append(entry(student, page, "load", loaded))
            if loaded.failed:
                break
            widget, _ = find_widget(loaded.widgets, CHANGES.get(page, []))
            if widget is not None:
                records.append(entry(student, page, "change", await session.change_widget(widget)))
            if page == "your-digit" and student in plan["digit_students"]:
                await session.choose("digit_mode", "Upload a picture")
                records.append(entry(student, page, "upload digit", await session.upload(
                    "digit_upload", f"digit-{student}.png", plan["digits"][student], "image/png"), session))
                records.append(entry(student, "inside-the-cnn", "inside, own digit",
                                     await session.press("digit_inside"), session))
            if page == "xception" and student in plan["photo_students"] and "xception_source" in session.elements:
                await session.choose("xception_source", "Upload a photo")
                records.append(entry(student, page, "upload photo", await session.upload(
                    "xception_upload", f"photo-{student}.jpg", plan["photos"][student], "image/jpeg", barrier), session))
                if "xception_class" in session.elements:
                    options = list(session.elements["xception_class"].element.options)
                    records.append(entry(student, page, "another class",
                                         await session.choose("xception_class", options[1]), session))
        if trainer:
            started = time.monotonic()
            records.append(entry(student, "train-your-own", "load", await session.open(PAGE_PATHS["train-your-own"])))
            done = lambda s: any(TRAINING_DONE.search(text) or "Training failed" in text for text in s.texts)  # noqa: E731
            polls = await session.poll_fragments(done, started + plan["timeout_s"])
            records += [entry(student, "train-your-own", "poll", poll) for poll in polls]
            found = next((TRAINING_DONE.search(text) for text in session.texts if TRAINING_DONE.search(text)), None)
            records.append({"student": student, "page": "train-your-own", "action": "training run",
                            "seconds": float(found.group(1)) if found else None, "first_element_s": None,
                            "status": "ok" if found else "not_finished", "errors": [] if found else session.texts[-3:]})
    except (KeyError, ValueError, RuntimeError, OSError) as error:  # a widget missing, an upload refused
        records.append({"student": student, "page": "?", "action": "step", "seconds": None, "status": "exception",
                        "errors": [repr(error)], "first_element_s": None})
    finally:
        if barrier is not None and student in plan["photo_students"]:
            await barrier.abort()  # passed it already, or never will: either way nobody waits for this student
        await session.close()
    return records


async def one_round(url: str, plan: dict) -> list[dict]:
    barrier = asyncio.Barrier(len(plan["photo_students"])) if plan["photo_students"] else None
    walks = [student_walk(url, student, plan, barrier) for student in range(plan["students"])]
    return [record for records in await asyncio.gather(*walks) for record in records]


# ----------------------------------------------------------------------------- memory


class Sampler(threading.Thread):
    """Every 0.2 s: the server process's RSS; every 0.6 s its children's (the training worker's) RSS and PSS."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.server = psutil.Process(pid)
        self.lock = threading.Lock()
        self.reset()
        self.stopped = threading.Event()

    def reset(self) -> dict:
        with self.lock:
            peaks, self.peaks = getattr(self, "peaks", None), {"server": 0, "worker_rss": 0, "worker_pss": 0, "total": 0}
        return peaks

    def run(self) -> None:
        ticks = 0
        while not self.stopped.wait(0.2):
            ticks += 1
            try:
                server = self.server.memory_info().rss
                children = self.server.children(recursive=True)
            except psutil.NoSuchProcess:
                return
            worker_rss = worker_pss = 0
            if ticks % 3 == 0:
                for child in children:  # the training worker: spawned, unlike multiprocessing's resource tracker
                    try:
                        if "spawn_main" not in " ".join(child.cmdline()):
                            continue
                        full = child.memory_full_info()
                        worker_rss, worker_pss = worker_rss + full.rss, worker_pss + full.pss
                    except (psutil.NoSuchProcess, psutil.AccessDenied):
                        pass
            with self.lock:
                peaks = self.peaks
                peaks["server"] = max(peaks["server"], server)
                peaks["worker_rss"] = max(peaks["worker_rss"], worker_rss)
                peaks["worker_pss"] = max(peaks["worker_pss"], worker_pss)
                peaks["total"] = max(peaks["total"], server + worker_rss)


# ----------------------------------------------------------------------------- what the server holds

METRIC_LINE = re.compile(r'^(\w+)\{cache_type="([^"]*)",cache="([^"]*)"\} (\d+)$')


def probe_sample(probe_file: str | None, timeout_s: float = 30) -> dict[str, float]:
    """A census asked of ``memory_probe/sitecustomize.py`` inside the server now, flattened."""
    if not probe_file or not Path(probe_file).is_file():
        return {}
    request = Path(probe_file + ".census")
    request.touch()
    deadline = time.monotonic() + timeout_s
    while request.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    samples = [json.loads(line) for line in Path(probe_file).read_text().splitlines()]
    sample = next((s for s in reversed(samples) if s.get("census")), {})
    census = sample.get("object_types", {})
    parts = {f"probe: {name}": value for name, value in sample.items() if isinstance(value, (int, float))
             and name != "time"}
    for name, store in sample.get("heavy", {}).items():
        parts[f"heavy:{name} (kB)"] = store.get("bytes", 0) / 1024
    for name, entries in sample.get("resource_caches", {}).items():
        parts[f"probe: cache_resource {name} (entries)"] = entries
    for kind, count in census.items():
        parts[f"objects: {kind}"] = count
    return parts


def server_internals(url: str, pid: int, probe_file: str | None = None) -> dict[str, float]:
    """What the idle server holds, by part, to see which part grows over a day.

    From Streamlit's own ``/_stcore/metrics``: each cache's size (``st.cache_data``, session state,
    media files, uploads: bytes; ``st.cache_resource``: entries, since Streamlit only counts those
    unless ``server.enableExpensiveMemoryStats``), and the open sessions. From ``/proc``: the
    process's anonymous memory (the heaps: Python's, glibc's, TensorFlow's) and its threads.
    """
    parts: dict[str, float] = {}
    try:
        with urllib.request.urlopen(f"{url}/_stcore/metrics", timeout=30) as response:
            lines = response.read().decode().splitlines()
    except OSError as error:
        return {"(metrics unreadable)": 0.0, "error": repr(error)}
    for line in lines:
        found = METRIC_LINE.match(line)
        if found:
            family, kind, name, value = found.groups()
            unit = "entries" if kind == "st_cache_resource" else "kB"
            key = f"{kind}:{name.rsplit('.', 1)[-1]} ({unit})"
            parts[key] = parts.get(key, 0) + (int(value) if unit == "entries" else int(value) / 1024)
        elif line.startswith("active_sessions "):
            parts["sessions"] = float(line.split()[1])
    process = psutil.Process(pid)
    parts["threads"] = float(process.num_threads())
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Anonymous:"):
                parts["anonymous memory (MB)"] = int(line.split()[1]) / 1024
    except OSError:
        pass
    return {**parts, **probe_sample(probe_file)}


# ----------------------------------------------------------------------------- a configuration


PROBE_FOLDER = Path(__file__).resolve().parent / "memory_probe"


def start_server(folder: Path, variables: dict[str, str], probe_file: str | None = None
                 ) -> tuple[subprocess.Popen, str, str]:
    port = free_port()
    environment = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", **variables}
    if probe_file:  # memory_probe/sitecustomize.py reports from inside the server
        environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROBE_FOLDER), environment.get("PYTHONPATH")]))
        environment["CNNVIZ_PROBE_FILE"] = probe_file
    if SHARED_MNIST.is_file():
        environment.setdefault("CNNVIZ_MNIST", str(SHARED_MNIST))
    environment.setdefault("CNNVIZ_DATA_DIR", tempfile.mkdtemp(prefix="cnnviz-memory-data-"))
    log = tempfile.NamedTemporaryFile("w", prefix="cnnviz-memory-server-", suffix=".log", delete=False)
    process = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                                *SERVER_FLAGS], cwd=folder, env=environment, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    for _ in range(400):
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {process.returncode}; see {log.name}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                return process, url, log.name
        except OSError:
            time.sleep(0.3)
    stop_server(process)
    raise RuntimeError(f"streamlit did not become healthy; see {log.name}")


def load_test_digits() -> np.ndarray:
    """MNIST's 10 000 test digits (uint8, (10000, 28, 28)) from ``CNNVIZ_MNIST`` or ``../shared/``."""
    with np.load(os.environ.get("CNNVIZ_MNIST") or SHARED_MNIST) as arrays:
        return arrays["x_test"]


def round_plan(args, round_number: int, test_digits: np.ndarray) -> dict:
    rng = random.Random(round_number)
    photo_students = set(range(1, 1 + args.photos))
    digit_students = set(range(1 + args.photos, 1 + args.photos + args.digits))
    return {"students": args.students, "timeout_s": args.timeout, "train": args.train, "train_epochs": args.train_epochs,
            "jitter": [rng.uniform(0, 1) for _ in range(args.students)],
            "photo_students": photo_students, "digit_students": digit_students,
            "photos": {student: phone_photo(round_number, student) for student in photo_students},
            "digits": {student: digit_picture(test_digits, round_number, student) for student in digit_students}}


def summarise_round(records: list[dict]) -> dict:
    pages = {}
    for record in records:
        if record["action"] in ("load", "change") and record["status"] == "ok":
            pages.setdefault((record["page"], record["action"]), []).append(record["seconds"])
    p95 = {f"{page} {action}": percentile(values, 0.95) for (page, action), values in pages.items()}
    heavy = {}
    for action in HEAVY_ACTIONS:
        values = [r["seconds"] for r in records if r["action"] == action and r["status"] == "ok"]
        firsts = [r["first_element_s"] for r in records if r["action"] == action and r["first_element_s"] is not None]
        if values:
            heavy[action] = {"median_s": percentile(values, 0.5), "max_s": max(values),
                             "first_element_max_s": max(firsts) if firsts else None}
    training = next((r["seconds"] for r in records if r["action"] == "training run"), None)
    worst = max(p95.items(), key=lambda item: item[1]) if p95 else ("-", float("nan"))
    failed = [r for r in records if r["status"] != "ok"]
    return {"worst_p95_s": worst[1], "worst_page": worst[0], "p95": p95, "heavy": heavy, "training_s": training,
            "errors": len(failed), "error_messages": [f"{r['page']} {r['action']}: {r['status']} {r['errors']}"[:300]
                                                      for r in failed][:5]}


def run_configuration(label: str, folder: Path, variables: dict, args) -> dict:
    test_digits = load_test_digits()
    probe_file = tempfile.mktemp(prefix="cnnviz-memory-probe-", suffix=".jsonl") if args.probe else None
    process, url, log = start_server(folder, variables, probe_file)
    sampler = Sampler(process.pid)
    sampler.start()
    rounds, started = [], time.perf_counter()
    try:
        warm_plan = {**round_plan(args, 0, test_digits), "students": 1, "train": False}
        warm_up = asyncio.run(one_round(url, {**warm_plan, "photo_students": set(), "digit_students": set()}))
        warm_s = time.perf_counter() - started + wait_until_idle([process.pid], timeout_s=300)
        warm = {"seconds": warm_s, "rss_mb": psutil.Process(process.pid).memory_info().rss / 2**20,
                "errors": [r["errors"] for r in warm_up if r["status"] != "ok"]}
        print(f"[{label}] warm after {warm_s:.0f} s: {warm['rss_mb']:.0f} MB; log {log}", flush=True)
        for number in range(1, args.rounds + 1):
            plan = round_plan(args, number, test_digits)
            sampler.reset()
            round_started = time.perf_counter()
            records = asyncio.run(one_round(url, plan))
            seconds = time.perf_counter() - round_started
            wait_until_idle([process.pid], timeout_s=120)
            time.sleep(1.0)
            end_mb = psutil.Process(process.pid).memory_info().rss / 2**20
            peaks = sampler.reset()
            row = {"round": number, "seconds": seconds, "end_mb": end_mb, "peak_mb": peaks["server"] / 2**20,
                   "worker_rss_mb": peaks["worker_rss"] / 2**20, "worker_pss_mb": peaks["worker_pss"] / 2**20,
                   "total_peak_mb": peaks["total"] / 2**20, "internals": server_internals(url, process.pid, probe_file),
                   **summarise_round(records)}
            rounds.append(row)
            print(f"[{label}] {format_row(row)}", flush=True)
    finally:
        sampler.stopped.set()
        stop_server(process)
    return {"label": label, "folder": str(folder), "variables": variables, "warm": warm, "rounds": rounds,
            "total_s": time.perf_counter() - started}


# ----------------------------------------------------------------------------- the report

HEADER = (f"{'round':>5} {'peak MB':>8} {'end MB':>7} {'worker RSS':>10} {'PSS':>6} {'worst p95':>9} "
          f"{'photo med/max':>13} {'digit max':>9} {'train s':>7} {'errors':>6}  worst page")


def format_row(row: dict) -> str:
    photo = row["heavy"].get("upload photo")
    digit = row["heavy"].get("inside, own digit")
    photo_text = f"{photo['median_s']:.1f}/{photo['max_s']:.1f}" if photo else "-"
    digit_text = f"{digit['max_s']:.2f}" if digit else "-"
    training = f"{row['training_s']:.0f}" if row["training_s"] is not None else "-"
    return (f"{row['round']:>5} {row['peak_mb']:>8.0f} {row['end_mb']:>7.0f} {row['worker_rss_mb']:>10.0f} "
            f"{row['worker_pss_mb']:>6.0f} {row['worst_p95_s']:>9.2f} {photo_text:>13} {digit_text:>9} "
            f"{training:>7} {row['errors']:>6}  {row['worst_page']}")


def growth(rounds: list[dict]) -> float | None:
    """End-of-round RSS growth from round 2 to the last, in percent."""
    return None if len(rounds) < 3 else 100 * (rounds[-1]["end_mb"] / rounds[1]["end_mb"] - 1)


def print_report(results: list[dict], args) -> None:
    print(f"\n{args.students} students a round, {args.photos} uploading a photo to Xception at once, {args.digits} "
          f"sending a new digit inside the CNN, {'a live training run' if args.train else 'no training'}; "
          f"{psutil.cpu_count()} CPUs")
    for result in results:
        print(f"\n{result['label']}: {result['folder']} {result['variables'] or ''}  (warm: {result['warm']['rss_mb']:.0f} MB "
              f"after {result['warm']['seconds']:.0f} s)")
        print(HEADER)
        for row in result["rounds"]:
            print(format_row(row))
            for message in row["error_messages"]:
                print(f"      error: {message}")
    for result in results:
        print_internals(result)
    print(f"\n{'configuration':<14}{'peak MB':>8}{'end r2':>8}{'end last':>9}{'growth':>8}{'worst p95':>10}"
          f"{'photo max':>10}{'train s':>8}{'worker RSS/PSS':>15}{'errors':>7}{'wall s':>7}")
    for result in results:
        rows = result["rounds"]
        if not rows:
            continue
        change = growth(rows)
        trainings = [row["training_s"] for row in rows if row["training_s"] is not None]
        photos = [row["heavy"]["upload photo"]["max_s"] for row in rows if "upload photo" in row["heavy"]]
        print(f"{result['label']:<14}{max(r['peak_mb'] for r in rows):>8.0f}"
              f"{rows[min(1, len(rows) - 1)]['end_mb']:>8.0f}{rows[-1]['end_mb']:>9.0f}"
              f"{'-' if change is None else f'{change:+.1f}%':>8}{max(r['worst_p95_s'] for r in rows):>10.2f}"
              f"{max(photos) if photos else float('nan'):>10.1f}"
              f"{(sum(trainings) / len(trainings)) if trainings else float('nan'):>8.0f}"
              f"{max(r['worker_rss_mb'] for r in rows):>8.0f}/{max(r['worker_pss_mb'] for r in rows):<6.0f}"
              f"{sum(r['errors'] for r in rows):>7}{result['total_s']:>7.0f}")


def print_internals(result: dict) -> None:
    """Each part the server holds at the end of round 1, 2 and the last, the biggest change first."""
    rows = result["rounds"]
    if len(rows) < 2:
        return
    picked = [rows[0], rows[1], rows[-1]]
    names = sorted({name for row in picked for name in row["internals"] if name != "error"},
                   key=lambda name: -abs(picked[2]["internals"].get(name, 0) - picked[1]["internals"].get(name, 0)))
    print(f"\n{result['label']}: what the idle server holds after round {', '.join(str(r['round']) for r in picked)}")
    for name in names:
        values = [row["internals"].get(name, 0) for row in picked]
        print(f"  {name:<62}" + "".join(f"{value:>11,.0f}" for value in values))


def parse_configuration(text: str) -> tuple[str, Path, dict]:
    label, _, rest = text.partition("=")
    folder, *assignments = rest.split(",")
    variables = dict(assignment.split("=", 1) for assignment in assignments)
    path = Path(folder or ".").resolve()
    if not (path / "app.py").is_file():
        raise SystemExit(f"{text!r}: no app.py in {path}")
    return label, path, variables


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("configurations", nargs="+", help="LABEL=APP_FOLDER[,VARIABLE=VALUE...]")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--photos", type=int, default=5, help="students uploading a photo to Xception at once")
    parser.add_argument("--digits", type=int, default=5, help="students sending a new digit inside the CNN")
    parser.add_argument("--no-train", dest="train", action="store_false", help="no live training run")
    parser.add_argument("--train-epochs", type=int, default=1,
                        help="epochs of the live run (the page's other defaults: 10,000 images, batch 64)")
    parser.add_argument("--timeout", type=float, default=300, help="seconds one run may take")
    parser.add_argument("--probe", action="store_true",
                        help="also report from inside the server (memory_probe/sitecustomize.py): malloc's heaps, "
                             "Python's objects, each cache's entries and bytes")
    parser.add_argument("--json", type=Path, help="also write every round's figures here")
    args = parser.parse_args()
    results = []
    for text in args.configurations:
        label, folder, variables = parse_configuration(text)
        results.append(run_configuration(label, folder, variables, args))
        if args.json:
            args.json.write_text(json.dumps(results, indent=1, default=str))
    print_report(results, args)


if __name__ == "__main__":
    main()
