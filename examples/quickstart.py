"""A first look at xpm: a small grid of configurations and the job folders they name.

Run it with `nox -s demo` (or `python examples/quickstart.py` once xpm is installed).
"""

from __future__ import annotations

from itertools import product

from xpm.core import Config, Meta, Param, Task, tag, tagspath


class MLP(Config):
    """A small multi-layer perceptron."""

    hidden: Param[int] = 32
    """Units in the hidden layer"""

    layers: Param[int] = 1
    """Number of hidden layers"""


class Learn(Task):
    """Train a model for some epochs."""

    model: Param[MLP]
    epochs: Param[int] = 10
    lr: Param[float] = 1e-2
    workers: Meta[int] = 1
    """Data loading processes (never changes the result, so not in the identifier)"""


def main() -> None:
    plan = [
        Learn.C(model=MLP.C(hidden=tag(hidden)), lr=tag(lr))
        for hidden, lr in product([16, 64], [1e-2, 1e-3])
    ]
    plan.append(Learn.C(model=MLP.C(hidden=tag(16)), lr=tag(1e-2), workers=8))
    print(f"{'tags':<24} job folder")
    for learn in plan:
        folder = f"jobs/{__name__.lower()}.learn/{learn.__identifier__().hex()[:16]}..."
        print(f"{tagspath(learn):<24} {folder}")
    print("\nThe last configuration differs only by a Meta value: it names the same folder.")


if __name__ == "__main__":
    main()
