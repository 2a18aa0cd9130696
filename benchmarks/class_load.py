"""A class of N students at once, at the protocol level: each answers the questions of three lesson
pages and sends 10 drawn digits (the canvas' own message), all starting at the same moment.

Then it counts the rows in the class database (nothing lost, nothing twice), reads the tally the
projector shows for each question and compares it with what the students sent, and prints the
submit times (press to the end of the run that stored it).

    python benchmarks/class_load.py                       # 30 students, SQLite in a temp folder
    python benchmarks/class_load.py 30 --database-url postgresql+psycopg://...

The server runs with ``CNNVIZ_SECONDS_BETWEEN_SUBMISSIONS=0``: these students send as fast as the
server answers, which real students (and the default 1 s limit) do not.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import sqlalchemy as sa

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(REPO_ROOT / "tests"))
from class_servers import ClassSession, Server, canvas_data_url, class_environment, student_joins, teacher_starts_a_class  # noqa: E402

from cnnviz import data  # noqa: E402
from cnnviz.classroom import questions, schema  # noqa: E402
from deploy.processes import free_port  # noqa: E402

QUESTION_PAGES = {"": questions.flatten_question(), "convolution": questions.stride_question(),
                  "pooling": None}  # the pooling question needs MNIST: built in main()
DIGITS_EACH = 10
TALLY_ROW = re.compile(r'font-weight:600">([^<]+?)(?: &#10003;)?</div><div style="background:#eeeeee.*?'
                       r'text-align:right;font-weight:600">(\d+)</div>')


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))] if ordered else float("nan")


async def one_student(url: str, code: str, number: int, digits: np.ndarray, start: asyncio.Event) -> dict:
    student, _ = await student_joins(url, code)
    times = {"answer": [], "digit": []}
    failures = []
    await start.wait()
    for page, question in QUESTION_PAGES.items():
        await student.open(page, class_code=code)
        started = time.perf_counter()
        result = await student.press(f"class_choice_{number % len(question.choices)}")
        times["answer"].append(time.perf_counter() - started)
        if result.status != "ok" or any(word in student.text() for word in ("wait a moment", "paused")):
            failures.append(f"answer on {page or 'matrix'}: {result.status} {result.errors}")
    await student.open("draw-for-the-class", class_code=code)
    for digit in digits:
        started = time.perf_counter()
        result = await student.draw_and_press("class_draw_send", canvas_data_url(digit))
        times["digit"].append(time.perf_counter() - started)
        if result.status != "ok" or "is on the class board" not in student.text():
            failures.append(f"digit: {result.status} {result.errors} {student.text()[-200:]}")
    await student.close()
    return {"times": times, "failures": failures}


async def projector_tallies(url: str, code: str) -> dict[str, dict[str, int]]:
    """What the projector shows for each question: ``{page: {choice: count}}``."""
    projector = ClassSession(url)  # presenter mode from its first run, as a projector opens it
    await projector.connect()
    shown = {}
    for page in QUESTION_PAGES:
        await projector.open(page, class_code=code, present="true")
        tally = next((text for text in projector.texts if "cnnviz-tally" in text), None)
        if tally is None:
            raise RuntimeError(f"the projector shows no tally on {page or 'matrix'}: {projector.text()[-600:]}")
        shown[page] = {choice: int(count) for choice, count in TALLY_ROW.findall(tally)}
    await projector.close()
    return shown


def count(engine: sa.Engine, table: sa.Table, code: str) -> int:
    query = sa.select(sa.func.count()).select_from(table).join(
        schema.classes, schema.classes.c.id == table.c.class_id).where(schema.classes.c.code == code)
    with engine.connect() as connection:
        return connection.execute(query).scalar_one()


async def class_of(url: str, students: int, x_test: np.ndarray) -> dict:
    # Warm the server first (TensorFlow and both networks load on the first digit), in a class of its own.
    _, warm_code, _ = await teacher_starts_a_class(url)
    warm, _ = await student_joins(url, warm_code, page="draw-for-the-class")
    await warm.draw_and_press("class_draw_send", canvas_data_url(x_test[0]))
    for page in QUESTION_PAGES:
        await warm.open(page, class_code=warm_code)
    await warm.close()

    teacher, code, _ = await teacher_starts_a_class(url)
    start = asyncio.Event()
    tasks = [asyncio.create_task(one_student(url, code, number,
                                             x_test[number * DIGITS_EACH:(number + 1) * DIGITS_EACH], start))
             for number in range(students)]
    await asyncio.sleep(1.0)  # every student connected and on the first page
    started = time.perf_counter()
    start.set()
    results = await asyncio.gather(*tasks)
    wall = time.perf_counter() - started
    shown = await projector_tallies(url, code)
    await teacher.close()
    return {"code": code, "results": results, "wall": wall, "shown": shown}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("students", nargs="?", type=int, default=30)
    parser.add_argument("--database-url", default=None, help="default: a SQLite file in a temp folder")
    arguments = parser.parse_args(argv)
    url = arguments.database_url or f"sqlite:///{tempfile.mkdtemp(prefix='cnnviz-class-load-')}/class.sqlite3"
    (_, _), (x_test, _) = data.load_mnist()
    QUESTION_PAGES["pooling"] = questions.pooling_question(x_test[0], 0)
    server = Server(free_port(), class_environment(url), Path(tempfile.mkstemp(suffix=".log")[1])).start()
    try:
        outcome = asyncio.run(class_of(server.url, arguments.students, x_test))
    finally:
        server.stop()

    engine = sa.create_engine(url)
    code, n = outcome["code"], arguments.students
    rows = {"answers": count(engine, schema.answers, code), "digits": count(engine, schema.digits, code),
            "submissions": count(engine, schema.submissions, code)}
    expected = {"answers": n * len(QUESTION_PAGES), "digits": n * DIGITS_EACH,
                "submissions": n * (len(QUESTION_PAGES) + DIGITS_EACH)}
    failures = [failure for result in outcome["results"] for failure in result["failures"]]
    print(f"{n} students, {len(QUESTION_PAGES)} answers and {DIGITS_EACH} digits each, all at once, on "
          f"{engine.dialect.name}: {outcome['wall']:.1f} s for the whole class")
    for table, found in rows.items():
        verdict = "ok" if found == expected[table] else "WRONG"
        print(f"  rows in {table}: {found} (expected {expected[table]}) {verdict}")
    for kind in ("answer", "digit"):
        times = [t for result in outcome["results"] for t in result["times"][kind]]
        print(f"  {kind} submit: p50 {statistics.median(times):.2f} s, p95 {percentile(times, 0.95):.2f} s, "
              f"max {max(times):.2f} s ({len(times)} submits)")
    tallies_right = True
    for page, question in QUESTION_PAGES.items():
        sent = {choice: sum(1 for number in range(n) if question.choices[number % len(question.choices)] == choice)
                for choice in question.choices}
        right = outcome["shown"][page] == sent
        tallies_right &= right
        print(f"  projector tally for {question.question_id}: {outcome['shown'][page]} "
              f"{'= what the students sent' if right else f'!= sent {sent}'}")
    print(f"  failed submits: {len(failures)}" + "".join(f"\n    {failure}" for failure in failures[:5]))
    return 0 if rows == expected and tallies_right and not failures else 1


if __name__ == "__main__":
    sys.exit(main())
