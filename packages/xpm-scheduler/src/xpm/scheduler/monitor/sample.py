"""A synthetic workspace to try the monitor on: a sweep of training and evaluation jobs.

`write_sample_workspace` lays out job folders and one experiment run exactly as the
scheduler would (docs/dev/workspace-layout.md), with tags, dependencies, logs, progress,
failures and a `metrics.json` per finished job. It is what the documentation, the
screenshot and the benchmark show. Jobs it marks running or waiting carry a SLURM pid
record, which this machine cannot check and so reads as alive; killing them only tries
`scancel`, so nothing real is ever signalled.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import random
import socket
import time
from pathlib import Path
from typing import Any

_MODELS = ["mlp", "cnn", "resnet18", "resnet50", "vit-s"]
_LRS = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2]
_QUALITY = {"mlp": 0.72, "cnn": 0.8, "resnet18": 0.86, "resnet50": 0.89, "vit-s": 0.87}


def write_sample_workspace(
    workdir: str | os.PathLike[str],
    *,
    jobs: int = 120,
    experiment: str = "sweep",
    run: str = "20261123_101500",
    seed: int = 0,
) -> list[str]:
    """Write a sweep of `jobs` jobs (half `demo.train`, half `demo.evaluate`) under `workdir`.

    Tags are `model`, `lr` and `seed`; each evaluation depends on one training job and
    writes `metrics.json` with `accuracy` and `loss` once done. About 70% of the jobs
    are done, 10% running, 8% failed, and the rest waiting or never run.

    Returns:
        The job ids (`<type id>/<identifier>`) in submission order.
    """
    root = Path(workdir)
    rng = random.Random(seed)
    now = time.time()
    host = socket.gethostname()
    lines: list[str] = []
    states: dict[str, str] = {}
    pairs = max(1, jobs // 2)
    for i in range(pairs):
        model = _MODELS[i % len(_MODELS)]
        lr = _LRS[(i // len(_MODELS)) % len(_LRS)]
        tags = {"model": model, "lr": lr, "seed": i // (len(_MODELS) * len(_LRS))}
        train = _job_id("demo.train", i)
        state = rng.choices(
            ["done", "running", "failed", "waiting", "unscheduled"], [72, 11, 7, 5, 5]
        )[0]
        accuracy = _QUALITY[model] - 0.05 * abs(math.log10(lr) + 3) ** 1.6 + rng.gauss(0, 0.01)
        _write_job(root, train, tags, [], state, rng, now, host, {"loss": round(1 - accuracy, 4)})
        lines.append(_line(train, tags, [], now))
        states[train] = state
        if len(lines) >= jobs:
            break
        evaluate = _job_id("demo.evaluate", i)
        ev_state = {
            "done": rng.choices(["done", "running", "failed"], [90, 7, 3])[0],
            "running": "waiting",
            "failed": "cancelled",
            "waiting": "waiting",
            "unscheduled": "unscheduled",
        }[state]
        metrics = {"accuracy": round(accuracy, 4), "loss": round(1 - accuracy, 4)}
        _write_job(root, evaluate, tags, [train], ev_state, rng, now, host, metrics)
        lines.append(_line(evaluate, tags, [train], now))
        states[evaluate] = "failed" if ev_state == "cancelled" else ev_state
    run_dir = root / "experiments" / experiment / run
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "jobs.jsonl").write_text("".join(x + "\n" for x in lines))
    status = {
        "experiment": experiment,
        "run": run,
        "status": "running",
        "host": host,
        "pid": None,
        "started": now - 3600,
        "ended": None,
        "jobs": states,
    }
    (run_dir / "status.json").write_text(json.dumps(status))
    return [json.loads(x)["job"] for x in lines]


def _job_id(type_id: str, index: int) -> str:
    return f"{type_id}/{hashlib.sha256(f'{type_id}:{index}'.encode()).hexdigest()}"


def _line(job_id: str, tags: dict[str, Any], depends_on: list[str], now: float) -> str:
    type_id, identifier = job_id.split("/")
    return json.dumps(
        {
            "job": job_id,
            "type_id": type_id,
            "identifier": identifier,
            "tags": tags,
            "depends_on": depends_on,
            "submitted": now - 3600,
        }
    )


def _write_job(
    root: Path,
    job_id: str,
    tags: dict[str, Any],
    depends_on: list[str],
    state: str,
    rng: random.Random,
    now: float,
    host: str,
    metrics: dict[str, float],
) -> None:
    type_id, identifier = job_id.split("/")
    name = type_id.rsplit(".", 1)[-1]
    folder = root / "jobs" / type_id / identifier
    folder.mkdir(parents=True, exist_ok=True)
    params = {
        "format": "xpm-config",
        "task": {"type": type_id, "params": {**tags, "epochs": 20}, "depends_on": depends_on},
        "job": {"type_id": type_id, "identifier": identifier, "name": name, "workspace": str(root)},
    }
    (folder / "params.json").write_text(json.dumps(params, indent=1))
    if state in ("unscheduled", "cancelled") and not depends_on:
        return
    if state == "waiting":
        _write_json(folder / f"{name}.pid", {"type": "slurm", "jobid": "0", "state": "queued"})
        return
    if state == "unscheduled":
        return
    started = now - rng.uniform(60, 3000)
    if state != "cancelled":
        _write_json(folder / f"{name}.started", {"time": started, "host": host})
    epochs = rng.randint(3, 20) if state != "done" else 20
    out = "".join(
        f"epoch {e:2d}/20  loss {1.5 * math.exp(-e / 6) + rng.uniform(0, 0.05):.4f}\n"
        for e in range(1, epochs + 1)
    )
    (folder / f"{name}.out").write_text(f"[{host}] {type_id} with {json.dumps(tags)}\n{out}")
    (folder / f"{name}.err").write_text("UserWarning: using the CPU\n")
    if state == "running":
        _write_json(folder / f"{name}.pid", {"type": "slurm", "jobid": "0", "host": host})
        _write_json(
            folder / f"{name}.progress",
            {"fraction": epochs / 20, "desc": f"epoch {epochs}/20", "time": now},
        )
    elif state == "done":
        _write_json(folder / "metrics.json", metrics)
        done = folder / f"{name}.done"
        done.touch()
        ended = min(now, started + rng.uniform(30, 900))
        os.utime(done, (ended, ended))
    else:
        cancelled = state == "cancelled"
        reason = (
            "dependency" if cancelled else rng.choice(["failed", "failed", "memory", "timeout"])
        )
        message = {
            "failed": "RuntimeError: loss is NaN",
            "memory": "killed by SIGKILL (out of memory)",
            "timeout": "time limit reached",
            "dependency": "a dependency failed",
        }[reason]
        record = {
            "code": None if cancelled else 1,
            "reason": reason,
            "message": message,
            "signal": None,
            "exception": None,
            "time": now if cancelled else min(now, started + rng.uniform(30, 900)),
        }
        _write_json(folder / f"{name}.failed", record)
        if not cancelled:
            with open(folder / f"{name}.err", "a") as f:
                f.write(f"Traceback (most recent call last):\n  ...\n{message}\n")


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data))
