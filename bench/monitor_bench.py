"""Time the monitor page's first render with 10,000 jobs in headless Chromium.

    python bench/monitor_bench.py [--jobs 10000] [--runs 5]
    python bench/monitor_bench.py --screenshot docs/monitor.png   # the documentation's pictures

The figure is what the page itself records: milliseconds from the start of navigation
(opening the URL, the token redirect included) to the first full jobs table, after the
state and the run's tags are loaded and parsed. Each run opens a fresh page on the same
server; the median is printed. Needs the playwright package and Chromium
(/usr/bin/chromium, or $XPM_CHROMIUM).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from xpm.scheduler.monitor import MonitorServer, write_sample_workspace

CHROMIUM = os.environ.get("XPM_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _browser(p: Any, profile: str, width: int, height: int) -> Any:
    return p.chromium.launch_persistent_context(
        profile,
        executable_path=CHROMIUM,
        args=FLAGS,
        headless=True,
        viewport={"width": width, "height": height},
    )


def first_render(jobs: int, runs: int) -> list[float]:
    """Return the page's first-render times (ms), one per fresh page."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        began = time.perf_counter()
        write_sample_workspace(Path(tmp) / "ws", jobs=jobs)
        print(f"workspace of {jobs} jobs written in {time.perf_counter() - began:.1f} s")
        with MonitorServer(Path(tmp) / "ws") as server, sync_playwright() as p:
            base = server.url.split("/?")[0]
            began = time.perf_counter()
            with urllib.request.urlopen(f"{base}/api/state?token={server.token}") as answer:
                size = len(answer.read())
            print(
                f"/api/state: {size / 1e6:.1f} MB in {1000 * (time.perf_counter() - began):.0f} ms"
            )
            context = _browser(p, str(Path(tmp) / "profile"), 1400, 900)
            times = []
            try:
                for _ in range(runs + 1):  # the first page warms the browser's caches
                    page = context.new_page()
                    page.goto(server.url)
                    page.locator("body[data-ready='1']").wait_for(timeout=30000)
                    rows = page.locator("#counts .muted").inner_text()
                    times.append(
                        float(page.locator("body").get_attribute("data-first-render") or 0)
                    )
                    page.close()
            finally:
                context.close()
            print(f"table: {rows}")
    return times[1:]


def screenshots(target: Path) -> None:
    """Write `target` (the jobs table) and `<target stem>-results.png` (the heatmap)."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        write_sample_workspace(Path(tmp) / "workspace", jobs=240, seed=3)
        with MonitorServer(Path(tmp) / "workspace") as server, sync_playwright() as p:
            context = _browser(p, str(Path(tmp) / "profile"), 1440, 820)
            try:
                page = context.new_page()
                page.goto(server.url)
                page.locator("body[data-ready='1']").wait_for()
                page.click("tr.job >> nth=2")
                page.locator("#jv-log").filter(has_text="epoch").wait_for()
                page.screenshot(path=str(target))
                page.click("#jv-close")
                page.click("button[data-tab=results]")
                page.locator("#heatmap[data-cells]:not([data-cells='0'])").wait_for()
                page.screenshot(path=str(target.with_name(f"{target.stem}-results.png")))
            finally:
                context.close()
    print(f"wrote {target} and {target.stem}-results.png")


def main() -> None:
    """Parse the arguments, then time the page or take the screenshots."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--screenshot", type=Path, help="write the documentation's pictures")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        sys.exit(f"no Chromium at {CHROMIUM}: apt-get install chromium, or set XPM_CHROMIUM")
    if args.screenshot:
        screenshots(args.screenshot)
        return
    times = first_render(args.jobs, args.runs)
    print("first render (ms):", ", ".join(f"{t:.0f}" for t in times))
    print(f"median first render with {args.jobs} jobs: {statistics.median(times):.0f} ms")


if __name__ == "__main__":
    main()
