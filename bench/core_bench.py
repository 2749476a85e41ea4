"""Time building and identifying configurations; print one JSON object on stdout.

Run by compare.py in a fresh process per library:

    XPM_BENCH_LIB=experimaestro python bench/core_bench.py learners --runs 5
    XPM_BENCH_LIB=xpm python bench/core_bench.py deep --runs 20

Cases:
    learners  build N learner configurations (16 nodes each, all different), then
              identify each; reports configurations per second for each step.
    deep      a chain 200 deep and a list of 1,000 sub-configurations: the time to
              build and identify each, in milliseconds.
Every figure is the median over --runs runs, each on freshly built objects. The output
also holds a SHA-256 over all identifiers, so the driver can check that both libraries
agree on them.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from target import LIB, identify
from workloads import LEARNER_NODES, build_bag, build_chain, build_learner


def timed(function: Callable[..., Any], *args: Any) -> tuple[float, Any]:
    """Return (seconds, result) of `function(*args)`, after a garbage collection."""
    gc.collect()
    start = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - start, result


def build_learners(count: int) -> list[Any]:
    """Return learners 0 to `count` - 1."""
    return [build_learner(i) for i in range(count)]


def identify_all(configs: list[Any]) -> list[str]:
    """Return the identifier of each configuration."""
    return [identify(c) for c in configs]


def learners(count: int, runs: int) -> dict[str, Any]:
    """Build then identify `count` learners, `runs` times."""
    build: list[float] = []
    ident: list[float] = []
    digest = ""
    for _ in range(runs):
        seconds, configs = timed(build_learners, count)
        build.append(seconds)
        seconds, ids = timed(identify_all, configs)
        ident.append(seconds)
        if len(set(ids)) != count:
            raise SystemExit(f"{len(set(ids))} distinct identifiers, expected {count}")
        digest = hashlib.sha256("".join(ids).encode()).hexdigest()
        del configs, ids
    return {
        "lib": LIB,
        "count": count,
        "nodes_per_config": LEARNER_NODES,
        "build_per_s": count / statistics.median(build),
        "identify_per_s": count / statistics.median(ident),
        "build_s": build,
        "identify_s": ident,
        "ids_sha256": digest,
    }


def deep(depth: int, size: int, runs: int) -> dict[str, Any]:
    """Build + identify a `depth`-deep chain and a `size`-long list, `runs` times."""
    result: dict[str, Any] = {"lib": LIB, "depth": depth, "size": size}
    cases = (("chain", build_chain, depth), ("list", build_bag, size))
    for name, build, scale in cases:
        build_ms: list[float] = []
        ident_ms: list[float] = []
        ids: list[str] = []
        for _ in range(runs):
            seconds, config = timed(build, scale)
            build_ms.append(seconds * 1000)
            seconds, hexid = timed(identify, config)
            ident_ms.append(seconds * 1000)
            ids.append(hexid)
        if len(set(ids)) != 1:
            raise SystemExit(f"{name}: identifiers differ between runs: {set(ids)}")
        result[f"{name}_build_ms"] = statistics.median(build_ms)
        result[f"{name}_identify_ms"] = statistics.median(ident_ms)
        result[f"{name}_total_ms"] = statistics.median(
            b + i for b, i in zip(build_ms, ident_ms, strict=True)
        )
        result[f"{name}_id"] = ids[0]
    return result


def main() -> None:
    """Parse the command line, run one case, print its JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("case", choices=["learners", "deep"])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--depth", type=int, default=200)
    parser.add_argument("--size", type=int, default=1_000)
    args = parser.parse_args()
    if args.case == "learners":
        out = learners(args.count, args.runs)
    else:
        out = deep(args.depth, args.size, args.runs)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
