"""The monitor page in a real headless Chromium: live states, logs, kill, heatmap.

Skipped with a reason when Chromium or the playwright package is missing, except under
CI=true, where a missing browser fails the run instead of hiding the tests.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from xpm.scheduler.monitor import MonitorServer

from .conftest import TOKEN, SleepingJob

pytestmark = pytest.mark.browser

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
LIVE = "demo.live/" + "a" * 64


def _missing() -> str | None:
    if importlib.util.find_spec("playwright") is None:
        return "the playwright package is not installed (pip install playwright)"
    if not Path(CHROMIUM).exists():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """A headless Chromium driven by playwright, with a fresh profile."""
    reason = _missing()
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser tests must run under CI=true: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as profile, sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            args=FLAGS,
            headless=True,
            viewport={"width": 1400, "height": 900},
        )
        try:
            yield context
        finally:
            context.close()


def _submit(workspace: Path, job_id: str, tags: dict[str, Any]) -> None:
    jobs = workspace / "experiments" / "sweep" / "20261123_101500" / "jobs.jsonl"
    with open(jobs, "a") as f:
        f.write(json.dumps({"job": job_id, "tags": tags, "depends_on": []}) + "\n")


def _row_state(page: Any, job_id: str) -> Any:
    return page.locator(f'tr.job[data-job="{job_id}"] .state')


def test_the_page_follows_jobs_shows_logs_kills_and_draws_results(
    browser: Any, workspace: Path, sleeping_job: SleepingJob
) -> None:
    from playwright.sync_api import expect

    live = workspace / "jobs" / LIVE
    live.mkdir(parents=True)
    environment = {
        "python": "3.12.1",
        "source": "/home/me/project/train.py",
        "git": {"root": "/home/me/project", "commit": "3f2a9c1b0d77", "branch": "main",
                "dirty": True},
        "packages": {"xpm-core": "0.1.0"},
    }  # fmt: skip
    (live / "params.json").write_text(json.dumps({"task": "live", "environment": environment}))
    _submit(workspace, LIVE, {"model": "live", "lr": 0.5, "seed": 9})
    _submit(workspace, sleeping_job.job_id, {"model": "sleep", "lr": 0.5, "seed": 9})
    errors: list[str] = []
    with MonitorServer(workspace, token=TOKEN) as server:
        page = browser.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(server.url)
        expect(page.locator("body")).to_have_attribute("data-ready", "1")
        assert page.locator("#live").inner_text() == "live"

        # A job changes state live, written by another thread as a job process would.
        page.fill("#search", "demo.live")
        expect(_row_state(page, LIVE)).to_have_text("unscheduled")
        steps = [
            ("live.pid", '{"type": "slurm", "jobid": "7"}', "running"),
            ("live.progress", '{"fraction": 0.5, "desc": "half", "time": 1}', "running"),
            ("live.done", "", "done"),
        ]
        for name, content, state in steps:
            began = time.monotonic()
            writer = threading.Thread(target=(live / name).write_text, args=(content,))
            writer.start()
            writer.join()
            expect(_row_state(page, LIVE)).to_have_text(state, timeout=2000)
            if name == "live.progress":
                expect(page.locator(f'tr.job[data-job="{LIVE}"]')).to_contain_text("50%")
            assert time.monotonic() - began < 1.5

        # The job panel says what the job was submitted from.
        page.click(f'tr.job[data-job="{LIVE}"]')
        expect(page.locator("#jv-code")).to_have_text("/home/me/project/train.py")
        summary = page.locator("#jv-summary")
        expect(summary).to_contain_text("git 3f2a9c1b0d (main) with uncommitted changes")
        expect(summary).to_contain_text("xpm-core 0.1.0")

        # The running job's log opens and follows.
        page.fill("#search", "demo.sleep")
        page.click(f'tr.job[data-job="{sleeping_job.job_id}"]')
        expect(page.locator("#jv-folder")).to_have_text(str(sleeping_job.folder))
        expect(page.locator("#jv-log")).to_contain_text("step 2")
        shown = page.locator("#jv-log").inner_text()
        last = max(int(line.split()[1]) for line in shown.splitlines() if line.startswith("step"))
        expect(page.locator("#jv-log")).to_contain_text(f"step {last + 3}", timeout=5000)

        # Kill asks first; dismissing does nothing, accepting sends SIGTERM.
        page.once("dialog", lambda dialog: dialog.dismiss())
        page.click("#jv-kill")
        page.wait_for_timeout(300)
        assert sleeping_job.process.poll() is None
        page.once("dialog", lambda dialog: dialog.accept())
        page.click("#jv-kill")
        expect(page.locator("#jv-message")).to_have_text("SIGTERM sent")
        expect(_row_state(page, sleeping_job.job_id)).to_have_text("failed", timeout=3000)
        expect(page.locator(f'tr.job[data-job="{sleeping_job.job_id}"]')).to_contain_text(
            "cancelled"
        )
        assert sleeping_job.process.wait(10) == 143

        # The results heatmap draws the metrics of the sweep.
        page.click("button[data-tab=results]")
        page.locator("#heatmap[data-cells]:not([data-cells='0'])").wait_for()
        assert page.locator("#r-key").input_value() == "accuracy"
        assert page.locator("#r-table tbody tr").count() > 0
        page.close()
    assert errors == []


def test_the_token_is_required_by_the_page(browser: Any, workspace: Path) -> None:
    with MonitorServer(workspace, token=TOKEN) as server:
        page = browser.new_page()
        answer = page.goto(server.url.split("?")[0])
        assert answer is not None and answer.status == 403
        page.close()


def test_a_real_experiment_is_followed_live_and_a_job_killed(browser: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    from xpm.scheduler import ExperimentFailed, experiment

    from ..xpmtasks import Sleeper, Step

    workspace = tmp_path / "ws"
    workspace.mkdir()
    log = tmp_path / "log"
    sleeper = Sleeper.C(seconds=60, log=log)
    step = Step.C(x=1, log=log, sleep=1.5)
    sleeper_id = f"tests.scheduler.xpmtasks.sleeper/{sleeper.__identifier__().hex()}"
    step_id = f"tests.scheduler.xpmtasks.step/{step.__identifier__().hex()}"
    outcome: list[BaseException] = []

    def run() -> None:
        try:
            with experiment(workspace, "live"):
                sleeper.submit()
                step.submit()
        except BaseException as exc:
            outcome.append(exc)

    with MonitorServer(workspace, token=TOKEN) as server:
        page = browser.new_page()
        page.goto(server.url)
        expect(page.locator("body")).to_have_attribute("data-ready", "1")
        runner = threading.Thread(target=run)
        runner.start()
        page.fill("#search", "xpmtasks")
        expect(_row_state(page, step_id)).to_have_text("running", timeout=10000)
        expect(_row_state(page, step_id)).to_have_text("done", timeout=10000)
        expect(_row_state(page, sleeper_id)).to_have_text("running")
        page.click(f'tr.job[data-job="{sleeper_id}"]')
        page.once("dialog", lambda dialog: dialog.accept())
        page.click("#jv-kill")
        expect(_row_state(page, sleeper_id)).to_have_text("failed", timeout=5000)
        expect(page.locator(f'tr.job[data-job="{sleeper_id}"]')).to_contain_text("cancelled")
        runner.join(30)
        page.close()
    assert len(outcome) == 1 and isinstance(outcome[0], ExperimentFailed)
    assert f"{sleeper_id}: cancelled" in str(outcome[0])
