"""Models in numpy: a one-hidden-layer classifier and a linear least-squares model.

A model is plain Python (not a configuration): a task's configuration builds it in the
job. Parameters are a dict of arrays, which optimizers update in place.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    Array = NDArray[np.float64]
    Params = dict[str, Array]


class Model(Protocol):
    """What the training loop needs from a model."""

    def init(self, rng: np.random.Generator) -> Params:
        """Return fresh parameters."""
        ...

    def loss_and_grads(self, params: Params, x: Array, y: Array) -> tuple[float, Params]:
        """Return the mean loss on a batch and its gradient for each parameter."""
        ...

    def metrics(self, params: Params, x: Array, y: Array) -> dict[str, float]:
        """Return the metrics on a split, without its prefix (`loss`, `acc`...)."""
        ...


class Classifier:
    """Inputs, a tanh hidden layer, a softmax over the classes; cross-entropy loss."""

    def __init__(self, inputs: int, hidden: int, classes: int) -> None:
        self.sizes = (inputs, hidden, classes)

    def init(self, rng: np.random.Generator) -> Params:
        import numpy as np

        inputs, hidden, classes = self.sizes
        return {
            "w1": rng.normal(0.0, inputs**-0.5, (inputs, hidden)),
            "b1": np.zeros(hidden),
            "w2": rng.normal(0.0, hidden**-0.5, (hidden, classes)),
            "b2": np.zeros(classes),
        }

    def _forward(self, params: Params, x: Array) -> tuple[Array, Array]:
        import numpy as np

        h = np.tanh(x @ params["w1"] + params["b1"])
        logits = h @ params["w2"] + params["b2"]
        logits = logits - logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        return h, p / p.sum(axis=1, keepdims=True)

    def loss_and_grads(self, params: Params, x: Array, y: Array) -> tuple[float, Params]:
        import numpy as np

        h, p = self._forward(params, x)
        n = len(x)
        rows = np.arange(n)
        loss = float(-np.log(p[rows, y.astype(int)] + 1e-12).mean())
        d_logits = p.copy()
        d_logits[rows, y.astype(int)] -= 1.0
        d_logits /= n
        d_h = (d_logits @ params["w2"].T) * (1.0 - h**2)
        return loss, {
            "w1": x.T @ d_h,
            "b1": d_h.sum(axis=0),
            "w2": h.T @ d_logits,
            "b2": d_logits.sum(axis=0),
        }

    def metrics(self, params: Params, x: Array, y: Array) -> dict[str, float]:
        import numpy as np

        _, p = self._forward(params, x)
        labels = y.astype(int)
        loss = float(-np.log(p[np.arange(len(x)), labels] + 1e-12).mean())
        return {"loss": loss, "acc": float((p.argmax(axis=1) == labels).mean())}


class LeastSquares:
    """A linear model with a bias; mean squared error."""

    def __init__(self, inputs: int) -> None:
        self.inputs = inputs

    def init(self, rng: np.random.Generator) -> Params:
        import numpy as np

        return {"w": np.zeros(self.inputs), "b": np.zeros(1)}

    def loss_and_grads(self, params: Params, x: Array, y: Array) -> tuple[float, Params]:
        error = x @ params["w"] + params["b"] - y
        loss = float((error**2).mean())
        return loss, {"w": 2.0 * x.T @ error / len(x), "b": 2.0 * error.mean(keepdims=True)}

    def metrics(self, params: Params, x: Array, y: Array) -> dict[str, float]:
        error = x @ params["w"] + params["b"] - y
        loss = float((error**2).mean())
        return {"loss": loss, "r2": float(1.0 - loss / y.var())}
