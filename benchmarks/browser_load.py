"""Real-browser companion of load.py: a few headless Chromium tabs walk the same pages at once.

Each tab opens the app, then clicks through the sidebar to every page load.py visits, and times
each step from the click (or ``goto``) until Streamlit's run has finished, as the page itself
reports it: ``[data-testid="stApp"]`` carries ``data-test-script-state``, which goes
``running`` -> ``notRunning`` once per run. A MutationObserver counts those transitions, so a run
too fast to be seen polling is still counted. That alone is not enough: when a busy server sends
a whole run at once, React renders it in one go and the attribute never leaves ``notRunning``;
so a step also ends when the state is ``notRunning`` and the page's h1 is the new page's title.
Plotly's drawing after the run is not included, so the figures compare with load.py's protocol
timings.

    python benchmarks/browser_load.py [TABS=3] [--url http://127.0.0.1:8501] [--mode warm|cold]

Needs Debian's Chromium (/usr/bin/chromium) and the playwright package; never `playwright install`.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import PAGES, REPO_ROOT, percentile, run_sessions, start_server, stop_server  # noqa: E402

sys.path.insert(0, str(REPO_ROOT / "tests"))
from pages_list import listed_pages  # noqa: E402  (the titles, read from app.py)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
# Counts finished runs in window.__runsFinished: each time the app root's script state becomes
# "notRunning" after being anything else.
COUNT_FINISHED_RUNS = """
window.__runsFinished = 0;
new MutationObserver(records => {
  for (const record of records) {
    const state = record.target.getAttribute('data-test-script-state');
    if (state === 'notRunning' && record.oldValue !== 'notRunning') window.__runsFinished += 1;
  }
}).observe(document, {subtree: true, attributes: true, attributeOldValue: true,
                      attributeFilter: ['data-test-script-state']});
"""
# True once the run has finished: one more finished run, or (batched) not running with the new title.
RUN_FINISHED = """([before, title]) => {
  const app = document.querySelector('[data-testid="stApp"]');
  const heading = document.querySelector('[data-testid="stMainBlockContainer"] h1');
  return window.__runsFinished > before || (app && app.getAttribute('data-test-script-state') === 'notRunning'
    && heading !== null && heading.textContent.trim().startsWith(title));
}"""


async def timed(page, action, title: str, timeout_ms: float) -> float:
    """Seconds from starting ``action`` until the run that draws the page titled ``title`` has finished."""
    before = await page.evaluate("window.__runsFinished || 0")
    started = time.perf_counter()
    await action()
    await page.wait_for_function(RUN_FINISHED, arg=[before, title], timeout=timeout_ms)
    return time.perf_counter() - started


async def walk(browser, url: str, delay_s: float, timeout_ms: float) -> dict[str, float]:
    """One tab: open the app at its first page, then click each other page in the sidebar."""
    await asyncio.sleep(delay_s)
    context = await browser.new_context(viewport={"width": 1280, "height": 720})
    page = await context.new_page()
    await page.add_init_script(COUNT_FINISHED_RUNS)
    titles = {entry["url_path"]: entry["title"] for entry in listed_pages()}
    timings = {}
    try:
        for number, (label, path) in enumerate(PAGES.items()):
            if number == 0:
                action = lambda: page.goto(f"{url}/{path}")  # noqa: E731
            else:
                link = page.locator(f'[data-testid="stSidebarNav"] a[href$="/{path}"]')
                action = link.click
            timings[label] = await timed(page, action, titles[path], timeout_ms)
    finally:
        await context.close()
    return timings


async def run_tabs(url: str, tabs: int, seed: int, timeout_ms: float) -> list[dict[str, float]]:
    from playwright.async_api import async_playwright

    jitter = random.Random(seed)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            return await asyncio.gather(*[walk(browser, url, jitter.uniform(0, 1), timeout_ms)
                                          for _ in range(tabs)])
        finally:
            await browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tabs", nargs="?", type=int, default=3, help="concurrent Chromium tabs (default 3)")
    parser.add_argument("--mode", choices=["warm", "cold"], default="warm",
                        help="warm: one protocol session walks everything first, unmeasured")
    parser.add_argument("--url", help="use this running server instead of starting one")
    parser.add_argument("--server-arg", action="append", default=[], dest="server_args")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=300, help="seconds one page may take")
    args = parser.parse_args()
    process, url = (None, args.url) if args.url else start_server(args.server_args)
    try:
        if args.mode == "warm":
            asyncio.run(run_sessions(url, 1, args.seed, args.timeout, list(PAGES)))
        results = asyncio.run(run_tabs(url, args.tabs, args.seed, args.timeout * 1000))
    finally:
        if process is not None:
            stop_server(process)
    print(f"\n{args.tabs} Chromium tabs, {args.mode} mode: seconds from click to the run's end")
    print(f"{'page':<16}{'n':>4}{'p50 s':>8}{'max s':>8}")
    for label in PAGES:
        seconds = [tab[label] for tab in results if label in tab]
        if seconds:
            print(f"{label:<16}{len(seconds):>4}{percentile(seconds, 0.5):>8.2f}{max(seconds):>8.2f}")


if __name__ == "__main__":
    main()
