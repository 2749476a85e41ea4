"""Configuration workloads shared by both libraries (see target.py for the switch).

The classes live at module level, so their type ids (`workloads.<name>`) are the same
under xpm and experimaestro, and so are the identifiers when both hash the same bytes.
"""

from __future__ import annotations

from target import Config, Param


class Embedding(Config):
    dim: Param[int] = 128
    vocab_size: Param[int] = 30_000


class Layer(Config):
    index: Param[int]
    hidden: Param[int] = 512
    activation: Param[str] = "gelu"


class Encoder(Config):
    embedding: Param[Embedding]
    layers: Param[list[Layer]]
    dropout: Param[float] = 0.1


class Head(Config):
    classes: Param[int] = 2


class Model(Config):
    encoder: Param[Encoder]
    head: Param[Head]


class Warmup(Config):
    steps: Param[int] = 1000


class Adam(Config):
    lr: Param[float]
    betas: Param[list[float]]
    schedule: Param[Warmup]


class Dataset(Config):
    name: Param[str]
    split: Param[str] = "train"


class Tokenizer(Config):
    name: Param[str] = "wordpiece"
    lowercase: Param[bool] = True


class Sampler(Config):
    batch_size: Param[int] = 32
    shuffle: Param[bool] = True


class Data(Config):
    train: Param[Dataset]
    dev: Param[Dataset]
    tokenizer: Param[Tokenizer]
    sampler: Param[Sampler]


class Learner(Config):
    model: Param[Model]
    optimizer: Param[Adam]
    data: Param[Data]
    epochs: Param[int] = 10


LEARNER_NODES = 16


def build_learner(i: int) -> Config:
    """Return learner number `i`: 16 config nodes, its learning rate unique to `i`."""
    encoder = Encoder.C(
        embedding=Embedding.C(dim=256),
        layers=[Layer.C(index=k, hidden=768) for k in range(4)],
    )
    model = Model.C(encoder=encoder, head=Head.C(classes=3))
    optimizer = Adam.C(lr=1e-5 * (i + 1), betas=[0.9, 0.999], schedule=Warmup.C())
    data = Data.C(
        train=Dataset.C(name="msmarco"),
        dev=Dataset.C(name="msmarco", split="dev"),
        tokenizer=Tokenizer.C(),
        sampler=Sampler.C(batch_size=64),
    )
    return Learner.C(model=model, optimizer=optimizer, data=data, epochs=3)


class Node(Config):
    value: Param[int]
    child: Param[Node | None] = None


class Item(Config):
    index: Param[int]
    name: Param[str] = "item"


class Bag(Config):
    items: Param[list[Item]]


def build_chain(depth: int) -> Config:
    """Return `Node(child=Node(child=...))`, `depth` nodes deep."""
    node = Node.C(value=0)
    for k in range(1, depth):
        node = Node.C(value=k, child=node)
    return node


def build_bag(size: int) -> Config:
    """Return one `Bag` holding `size` distinct `Item` sub-configurations."""
    return Bag.C(items=[Item.C(index=k) for k in range(size)])
