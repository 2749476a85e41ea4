"""Experiment files: reserved keys, inheritance, overrides, errors naming file:line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from xpm.cli import (
    ConfigurationError,
    Located,
    Source,
    apply_overrides,
    configuration,
    experiment_configuration,
    load_configuration,
    load_experiment_file,
    merge_layers,
    render_yaml,
)


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Work inside `tmp_path`, so error messages show short relative paths."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def tree_of(folder: Path, text: str) -> Located:
    """Return the configuration of an experiment file holding `id: t` and `text`."""
    return load_experiment_file(write(folder, "exp.yaml", "id: t\n" + text)).configuration


def error_of(path: Path | str) -> str:
    with pytest.raises(ConfigurationError) as info:
        load_experiment_file(path)
    return str(info.value)


def test_reserved_keys_are_read_and_the_rest_is_configuration(folder: Path) -> None:
    """id, file and pythonpath are taken out; other keys form the configuration."""
    write(
        folder,
        "exp.yaml",
        "id: mnist\nfile: code/run\npythonpath: [lib, ../shared]\nlr: 0.1\n",
    )
    experiment = load_experiment_file("exp.yaml")
    assert experiment.id == "mnist"
    assert experiment.file == folder / "code" / "run.py"
    assert experiment.module is None
    assert experiment.pythonpath == (folder / "lib", folder / ".." / "shared")
    assert experiment.configuration.plain() == {"lr": 0.1}
    assert experiment.files == (folder / "exp.yaml",)


def test_file_defaults_to_experiment_next_to_the_yaml(folder: Path) -> None:
    """Without `file` or `module`, the code is `experiment.py` beside the YAML file."""
    write(folder, "sub/exp.yaml", "id: x\n")
    assert load_experiment_file("sub/exp.yaml").file == folder / "sub" / "experiment.py"


def test_module_replaces_the_default_file(folder: Path) -> None:
    """`module` names importable code instead of a file."""
    write(folder, "exp.yaml", "id: x\nmodule: my.experiments.mnist\n")
    experiment = load_experiment_file("exp.yaml")
    assert (experiment.module, experiment.file) == ("my.experiments.mnist", None)


def test_missing_id_is_an_error_naming_the_file(folder: Path) -> None:
    """An experiment needs a name."""
    write(folder, "exp.yaml", "lr: 1\n")
    assert error_of("exp.yaml") == "exp.yaml: missing required key 'id' (the experiment's name)"


def test_file_and_module_together_are_an_error(folder: Path) -> None:
    """A file says where its code is in one way only."""
    write(folder, "exp.yaml", "id: x\nfile: a\nmodule: b\n")
    assert error_of("exp.yaml") == "exp.yaml:3: set either 'file' or 'module', not both"


def test_reserved_key_of_the_wrong_type_names_its_line(folder: Path) -> None:
    """`pythonpath` is a list of strings."""
    write(folder, "exp.yaml", "id: x\npythonpath:\n  - lib\n  - 3\n")
    assert error_of("exp.yaml") == "exp.yaml:4: pythonpath[1]: expected a string, got 3 (int)"


def test_yaml_syntax_error_names_the_line(folder: Path) -> None:
    """Invalid YAML is reported with the line where the parser stopped."""
    write(folder, "exp.yaml", "id: x\nlr: [1, 2\nother: 3\n")
    assert error_of("exp.yaml").startswith("exp.yaml:3: invalid YAML: ")


def test_duplicate_key_is_an_error(folder: Path) -> None:
    """PyYAML would silently keep the last value; we refuse."""
    write(folder, "exp.yaml", "id: x\nlr: 1\nlr: 2\n")
    assert error_of("exp.yaml") == "exp.yaml:3: key 'lr' is written twice (first at line 2)"


def test_document_must_be_a_mapping(folder: Path) -> None:
    """A YAML list is not an experiment file."""
    write(folder, "exp.yaml", "- 1\n- 2\n")
    assert (
        error_of("exp.yaml") == "exp.yaml:1: an experiment file must be a mapping of keys to values"
    )


def test_parent_is_deep_merged_and_the_child_wins(folder: Path) -> None:
    """Mappings merge key by key; the child's scalars and lists replace the parent's."""
    write(
        folder,
        "base/common.yaml",
        "id: base\nmodel: {layers: [1, 2], dropout: 0.1}\nseed: 1\n",
    )
    write(folder, "exp.yaml", "parent: base/common.yaml\nmodel: {layers: [3]}\n")
    experiment = load_experiment_file("exp.yaml")
    assert experiment.id == "base"
    assert experiment.configuration.plain() == {
        "model": {"layers": [3], "dropout": 0.1},
        "seed": 1,
    }
    assert experiment.files == (folder / "base" / "common.yaml", folder / "exp.yaml")


def test_paths_are_relative_to_the_file_that_names_them(folder: Path) -> None:
    """A parent's `file`, `pythonpath` and `imports` resolve against its folder."""
    write(folder, "lib/shared.yaml", "extra: true\n")
    write(
        folder,
        "lib/base.yaml",
        "file: code\npythonpath: [src]\nimports: [shared.yaml]\n",
    )
    write(folder, "exp.yaml", "id: x\nparent: lib/base.yaml\npythonpath: [mine]\n")
    experiment = load_experiment_file("exp.yaml")
    assert experiment.file == folder / "lib" / "code.py"
    assert experiment.pythonpath == (folder / "mine", folder / "lib" / "src")
    assert experiment.configuration.plain() == {"extra": True}


def test_later_imports_win_over_earlier_ones_and_the_parent(folder: Path) -> None:
    """Merge order: parent, imports in order, then the file itself."""
    write(folder, "p.yaml", "a: parent\nb: parent\nc: parent\nd: parent\n")
    write(folder, "i1.yaml", "b: i1\nc: i1\nd: i1\n")
    write(folder, "i2.yaml", "c: i2\nd: i2\n")
    write(
        folder,
        "exp.yaml",
        "id: x\nparent: p.yaml\nimports: [i1.yaml, i2.yaml]\nd: own\n",
    )
    plain = load_experiment_file("exp.yaml").configuration.plain()
    assert plain == {"a": "parent", "b": "i1", "c": "i2", "d": "own"}


def test_missing_parent_names_the_line_that_refers_to_it(folder: Path) -> None:
    """The error points at the `parent:` value, not at the missing file."""
    write(folder, "exp.yaml", "id: x\nparent: nowhere.yaml\n")
    assert error_of("exp.yaml") == (
        "exp.yaml:2: cannot read nowhere.yaml: No such file or directory"
    )


def test_inheritance_cycle_is_detected(folder: Path) -> None:
    """a -> b -> a is an error listing the cycle, at the line that closes it."""
    write(folder, "a.yaml", "id: x\nparent: b.yaml\n")
    write(folder, "b.yaml", "imports:\n  - a.yaml\n")
    assert error_of("a.yaml") == (
        "b.yaml:2: files inherit from each other in a cycle: a.yaml -> b.yaml -> a.yaml"
    )


def test_diamond_inheritance_is_not_a_cycle(folder: Path) -> None:
    """Two files may import the same base."""
    write(folder, "base.yaml", "x: 1\n")
    write(folder, "left.yaml", "parent: base.yaml\n")
    write(folder, "right.yaml", "parent: base.yaml\n")
    write(folder, "exp.yaml", "id: x\nimports: [left.yaml, right.yaml]\n")
    experiment = load_experiment_file("exp.yaml")
    assert experiment.configuration.plain() == {"x": 1}
    assert [p.name for p in experiment.files] == [
        "base.yaml",
        "left.yaml",
        "right.yaml",
        "exp.yaml",
    ]


@configuration
class Optimizer:
    name: str
    learning_rate: float
    weight_decay: float = 0.0


@configuration
class Task:
    name: str
    batch_size: int
    max_epochs: int


@configuration
class Benchmark:
    task: Task
    optimizer: Optimizer
    seed: int = 0


def benchmark_suite(folder: Path) -> None:
    """One folder per task and per optimizer, each holding its `default.yaml`."""
    write(
        folder,
        "optimizers/adamw/default.yaml",
        """
        optimizer:
          name: adamw
          learning_rate: 0.001
          weight_decay: 0.01
        """,
    )
    write(
        folder,
        "tasks/mnist/default.yaml",
        """
        id: mnist
        task:
          name: mnist
          batch_size: 128
          max_epochs: 42
        optimizer:
          learning_rate: 0.1   # this task's default for every optimizer
        """,
    )


def test_layered_defaults_user_over_task_over_optimizer(folder: Path) -> None:
    """The user's file beats the task's defaults, which beat the optimizer's."""
    benchmark_suite(folder)
    write(
        folder,
        "runs/mine.yaml",
        """
        imports:
          - ../optimizers/adamw/default.yaml
          - ../tasks/mnist/default.yaml
        task:
          batch_size: 64
        """,
    )
    experiment = load_experiment_file("runs/mine.yaml")
    loaded = load_configuration(Benchmark, experiment.configuration)
    assert loaded == Benchmark(
        task=Task(name="mnist", batch_size=64, max_epochs=42),
        optimizer=Optimizer(name="adamw", learning_rate=0.1, weight_decay=0.01),
    )
    assert experiment.id == "mnist"


def test_layered_error_points_into_the_default_file_that_wrote_the_value(
    folder: Path,
) -> None:
    """A bad value inherited from a task's default.yaml is reported at its line."""
    benchmark_suite(folder)
    write(
        folder,
        "tasks/cifar/default.yaml",
        "task: {name: cifar, batch_size: big, max_epochs: 5}\n",
    )
    write(
        folder,
        "mine.yaml",
        "imports: [optimizers/adamw/default.yaml, tasks/cifar/default.yaml]\nid: c\n",
    )
    experiment = load_experiment_file("mine.yaml")
    with pytest.raises(ConfigurationError) as info:
        load_configuration(Benchmark, experiment.configuration)
    assert str(info.value) == (
        "tasks/cifar/default.yaml:1: task.batch_size: expected int, got 'big' (str)"
    )


def test_overrides_win_over_every_file(folder: Path) -> None:
    """`-c key.sub=value` values are YAML, converted by the field types."""
    benchmark_suite(folder)
    write(
        folder,
        "mine.yaml",
        "imports: [optimizers/adamw/default.yaml, tasks/mnist/default.yaml]\n",
    )
    tree = load_experiment_file("mine.yaml").configuration
    tree = apply_overrides(
        tree, ["task.batch_size=32", "optimizer={weight_decay: 0, name: sgd}", "seed=7"]
    )
    loaded = load_configuration(Benchmark, tree)
    assert loaded.task.batch_size == 32
    assert loaded.optimizer == Optimizer(name="sgd", learning_rate=0.1, weight_decay=0.0)
    assert loaded.seed == 7


def test_unknown_override_key_suggests_the_right_one(folder: Path) -> None:
    """A misspelled override is reported with the option and a suggestion."""
    benchmark_suite(folder)
    write(
        folder,
        "mine.yaml",
        "imports: [optimizers/adamw/default.yaml, tasks/mnist/default.yaml]\n",
    )
    tree = apply_overrides(
        load_experiment_file("mine.yaml").configuration, ["optimizer.learning_rat=0.5"]
    )
    with pytest.raises(ConfigurationError) as info:
        load_configuration(Benchmark, tree)
    assert str(info.value) == (
        "option -c optimizer.learning_rat=0.5: optimizer.learning_rat: unknown key for"
        " Optimizer (its keys: name, learning_rate, weight_decay)."
        " Did you mean 'learning_rate'?"
    )


def test_override_with_wrong_type_names_the_option(folder: Path) -> None:
    """The option is the source of an overridden value."""
    tree = apply_overrides(
        tree_of(
            folder,
            "task: {name: t, batch_size: 1, max_epochs: 1}\n"
            "optimizer: {name: a, learning_rate: 1}\n",
        ),
        ["task.max_epochs=[1, 2]"],
    )
    with pytest.raises(ConfigurationError) as info:
        load_configuration(Benchmark, tree)
    assert str(info.value) == (
        "option -c task.max_epochs=[1, 2]: task.max_epochs: expected int, got a list"
    )


@pytest.mark.parametrize(
    ("override", "problem"),
    [
        (
            "novalue",
            "expected KEY=VALUE, where KEY is a dotted path such as optimizer.lr",
        ),
        (
            "a..b=1",
            "expected KEY=VALUE, where KEY is a dotted path such as optimizer.lr",
        ),
        ("=1", "expected KEY=VALUE, where KEY is a dotted path such as optimizer.lr"),
    ],
)
def test_malformed_override_is_an_error(folder: Path, override: str, problem: str) -> None:
    """An override needs a dotted key and `=`."""
    with pytest.raises(ConfigurationError) as info:
        apply_overrides(tree_of(folder, ""), [override])
    assert str(info.value) == f"option -c {override}: {problem}"


def test_override_with_a_duplicate_key_is_an_error(folder: Path) -> None:
    """Flow mappings on the command line refuse duplicate keys too."""
    with pytest.raises(ConfigurationError) as info:
        apply_overrides(tree_of(folder, ""), ["a={b: 1, b: 2}"])
    assert str(info.value) == "option -c a={b: 1, b: 2}: key 'b' is written twice"


def test_override_value_that_is_not_yaml_is_an_error(folder: Path) -> None:
    """`[1, 2` cannot be read."""
    with pytest.raises(ConfigurationError) as info:
        apply_overrides(tree_of(folder, ""), ["a=[1, 2"])
    assert str(info.value).startswith("option -c a=[1, 2: cannot read the value as YAML: ")


def test_string_override_keeps_the_text_as_typed(folder: Path) -> None:
    """`-c name=007` gives the string "007" to a str field, not the int 7."""

    @configuration
    class Named:
        name: str
        tag: str = ""

    tree = apply_overrides(tree_of(folder, "name: x\n"), ["name=007", "tag= true "])
    assert load_configuration(Named, tree) == Named(name="007", tag="true")


def test_render_shows_the_merged_tree_in_merge_order(folder: Path) -> None:
    """`show` prints YAML that reads back to the same data."""
    benchmark_suite(folder)
    write(
        folder,
        "mine.yaml",
        "imports: [optimizers/adamw/default.yaml, tasks/mnist/default.yaml]\n",
    )
    tree = apply_overrides(load_experiment_file("mine.yaml").configuration, ["seed=3"])
    assert render_yaml(tree) == textwrap.dedent(
        """\
        optimizer:
          name: adamw
          learning_rate: 0.1
          weight_decay: 0.01
        task:
          name: mnist
          batch_size: 128
          max_epochs: 42
        seed: 3
        """
    )


def test_child_module_replaces_parent_file(folder: Path) -> None:
    """Whichever of `file` and `module` the child sets wins over the parent's."""
    write(folder, "base.yaml", "id: x\nfile: code\n")
    write(folder, "exp.yaml", "parent: base.yaml\nmodule: pkg.run\n")
    experiment = load_experiment_file("exp.yaml")
    assert (experiment.file, experiment.module) == (None, "pkg.run")


def test_experiment_configuration_applies_overrides(folder: Path) -> None:
    """One call merges, overrides and validates."""
    benchmark_suite(folder)
    write(
        folder,
        "mine.yaml",
        "imports: [optimizers/adamw/default.yaml, tasks/mnist/default.yaml]\n",
    )
    experiment = load_experiment_file("mine.yaml")
    loaded = experiment_configuration(Benchmark, experiment, ["seed=5"])
    assert loaded.seed == 5
    assert loaded.optimizer.learning_rate == 0.1


def test_misspelled_reserved_key_is_suggested(folder: Path) -> None:
    """`paren:` is unknown to the configuration; the suggestion is `parent`."""
    benchmark_suite(folder)
    write(folder, "mine.yaml", "paren: tasks/mnist/default.yaml\nid: x\n")
    with pytest.raises(ConfigurationError) as info:
        experiment_configuration(Benchmark, load_experiment_file("mine.yaml"))
    assert str(info.value) == (
        "mine.yaml:1: paren: unknown key for Benchmark (its keys: task, optimizer,"
        " seed). Did you mean 'parent'?"
    )


def test_merge_layers_lets_later_layers_win_and_keeps_sources(folder: Path) -> None:
    """Plain YAML files and trees merge deeply, the last one winning, value by value."""
    write(folder, "task.yaml", "task: {name: mnist, batch_size: 128, max_epochs: 42}\n")
    write(folder, "optimizer.yaml", "optimizer:\n  name: adamw\n  learning_rate: 0.1\n")
    user = apply_overrides(Located({}, Source("mine.yaml")), ["optimizer.weight_decay=0"])
    tree = merge_layers("task.yaml", Path("optimizer.yaml"), user)
    assert load_configuration(Benchmark, tree) == Benchmark(
        task=Task(name="mnist", batch_size=128, max_epochs=42),
        optimizer=Optimizer(name="adamw", learning_rate=0.1, weight_decay=0),
    )
    assert isinstance(tree.value, dict)
    optimizer = tree.value["optimizer"].value
    assert isinstance(optimizer, dict)
    assert str(optimizer["learning_rate"].source) == "optimizer.yaml:3"
    assert str(optimizer["weight_decay"].source) == "option -c optimizer.weight_decay=0"


def test_merge_layers_errors_name_the_layer_file(folder: Path) -> None:
    """A layer that is not YAML, not a mapping or missing is reported at its file."""
    write(folder, "broken.yaml", "task: [1, 2\n")
    write(folder, "list.yaml", "- 1\n- 2\n")
    for name, problem in [
        ("broken.yaml", "broken.yaml:2: invalid YAML"),
        ("list.yaml", "list.yaml:1: a YAML layer must be a mapping of keys to values"),
        ("none.yaml", "none.yaml: cannot read none.yaml: No such file"),
    ]:
        with pytest.raises(ConfigurationError) as info:
            merge_layers(name)
        assert str(info.value).startswith(problem)
    assert merge_layers().plain() == {}
