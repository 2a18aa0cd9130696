"""The tables benchmarks/browser_pages.py prints: medians per page, issue 15's goals met or missed,
where the time goes, and the JS bundles each page pulls in beyond a text-only Streamlit page."""

from __future__ import annotations

import statistics

# Moments of a load in seconds from the goto call: Streamlit's own page loaded (its load event, when
# goto returns), the first script run finished, the last JS bundle in, the main picture drawn, settled.
MOMENTS = ("loaded_s", "run_done_s", "last_script_s", "picture_s", "settled_s")
MOMENT_NAMES = ("Streamlit's page loaded", "first run finished", "last JS in", "main picture", "settled")
# Issue 15's goals (this machine, this benchmark), by url path ("" is the first page), in seconds
# after goto returned, as the issue's own table was timed (its floors match that, not the goto call).
LESSON_PAGES = {"", "convolution", "pooling", "inside-the-cnn", "your-digit"}
CHART_PAGES = {"mlp-vs-cnn", "train-your-own"}  # pages whose subject is a chart
LESSON_GOALS = {"picture": (1.0, 3.0), "settled": (1.5, 4.0)}  # as is, throttled
LESSON_WEBSOCKET_KB = 100
CHART_FLOOR_FACTOR = 1.2  # settled in at most this times the one-Plotly-chart floor


def median(values: list) -> float | None:
    values = [value for value in values if value is not None]
    return statistics.median(values) if values else None


def after_load(record: dict, field: str) -> float | None:
    """Seconds from the page's load event (goto's return) to this moment of ``record``."""
    if record[field] is None or record["loaded_s"] is None:
        return None
    return record[field] - record["loaded_s"]


def summarise(records: list[dict], rates: list[float]) -> dict:
    """Per page: medians of sizes over all its loads, and of its moments per CPU rate."""
    summary = {}
    for key in dict.fromkeys(record["key"] for record in records):
        mine = [record for record in records if record["key"] == key and "error" not in record]
        row = {"errors": sum(record["key"] == key and "error" in record for record in records),
               "exceptions": max([record["exceptions"] for record in mine] or [0]),
               "picture_kind": next((record["picture_kind"] for record in mine if record["picture_kind"]), None),
               "scripts_kb": max((record["scripts_kb"] for record in mine), key=len, default={}),
               "http_kb": {kind: median([record["http_kb"][kind] for record in mine]) for kind in ("js", "images", "other")}}
        row |= {field: median([record[field] for record in mine]) for field in ("ws_kb", "ws_deflated_kb", "heap_mb")}
        for rate in rates:
            at_rate = [record for record in mine if record["rate"] == rate]
            row[rate] = {field: median([record[field] for record in at_rate]) for field in MOMENTS}
            for field in ("picture_s", "settled_s"):
                row[rate][f"{field[:-2]}_after_s"] = median([after_load(record, field) for record in at_rate])
            settled = [after_load(record, "settled_s") for record in at_rate]
            settled = [value for value in settled if value is not None]
            row[rate]["range"] = f"{min(settled):.1f}-{max(settled):.1f}" if settled else "-"
        summary[key] = row
    return summary


def rate_name(rate: float) -> str:
    return "as is" if rate == 1 else f"{rate:g}x"


def misses(path: str | None, row: dict, floor: dict, rates: list[float]) -> str:
    """The goals this page misses and by how much; "met", or "-" for a page without goals."""
    if path in LESSON_PAGES:
        checks = [(f"{what} {rate_name(rate)}", row[rate][f"{what}_after_s"], limits[rate != 1], "s")
                  for what, limits in LESSON_GOALS.items() for rate in rates]
        checks.append(("websocket", row["ws_kb"], LESSON_WEBSOCKET_KB, " kB"))
    elif path in CHART_PAGES:
        checks = [(f"settled {rate_name(rate)}", row[rate]["settled_after_s"],
                   CHART_FLOOR_FACTOR * floor[rate]["settled_after_s"], "s")
                  for rate in rates if floor[rate]["settled_after_s"] is not None]
    else:
        return "-"
    missed = [f"{name}: none" if value is None else
              f"{name} {value:.{0 if unit == ' kB' else 1}f} > {limit:.{0 if unit == ' kB' else 1}f}{unit}"
              for name, value, limit, unit in checks if value is None or value > limit]
    return "not met: " + "; ".join(missed) if missed else "met"


def number(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def print_tables(summary: dict, labels: dict, paths: dict, rates: list[float]) -> None:
    """The main Markdown table, then where the time goes, the settled ranges and the extra JS."""
    heads = ["page", "main picture", "Streamlit's page loaded s"]
    for rate in rates:
        suffix = "" if rate == 1 else f", {rate:g}x"
        heads += [f"then main picture s{suffix}", f"then settled s{suffix}"]
    heads += ["kB websocket", "kB if deflated", "kB HTTP (JS / images / other)", "JS heap MB", "goals"]
    print("| " + " | ".join(heads) + " |")
    print("|" + "|".join(["---"] * 2 + ["---:"] * (len(heads) - 3) + ["---"]) + "|")
    for key, row in summary.items():
        cells = [labels[key], row["picture_kind"] or "-", " / ".join(number(row[rate]["loaded_s"]) for rate in rates)]
        for rate in rates:
            cells += [number(row[rate]["picture_after_s"]), number(row[rate]["settled_after_s"])]
        http = row["http_kb"]
        cells += [number(row["ws_kb"], 0), number(row["ws_deflated_kb"], 0),
                  f"{number(http['js'], 0)} / {number(http['images'], 0)} / {number(http['other'], 0)}",
                  number(row["heap_mb"], 0), misses(paths.get(key), row, summary["floor-plotly"], rates)]
        print("| " + " | ".join(cells) + " |")
    print("\nsettled s after the load event, min-max of the runs (" + " / ".join(map(rate_name, rates)) + "): "
          + "; ".join(f"{labels[key]} {' / '.join(row[rate]['range'] for rate in rates)}"
                      for key, row in summary.items()))
    for rate in rates:
        print(f"\nWhere the time goes, {rate_name(rate)} (median seconds from the goto call):\n")
        print("| page | " + " | ".join(MOMENT_NAMES) + " |")
        print("|---|" + "---:|" * len(MOMENTS))
        for key, row in summary.items():
            print(f"| {labels[key]} | " + " | ".join(number(row[rate][field]) for field in MOMENTS) + " |")
    print("\nJS bundles beyond the text-only floor's (kB on the wire, 100 kB and more):")
    floor_scripts = summary.get("floor-text", {}).get("scripts_kb", {})
    for key, row in summary.items():
        extra = sorted(((size, name) for name, size in row["scripts_kb"].items()
                        if name not in floor_scripts and size >= 100), reverse=True)
        if extra:
            print(f"- {labels[key]}: " + ", ".join(f"{name.split('.')[0]} {size}" for size, name in extra))
    for key, row in summary.items():
        if row["errors"] or row["exceptions"]:
            print(f"note: {labels[key]}: {row['errors']} failed loads, {row['exceptions']} exception boxes shown")
