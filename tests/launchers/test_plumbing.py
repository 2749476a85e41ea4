"""The helpers xpm.launchers shares with the CLI: "did you mean" and the YAML reader."""

from __future__ import annotations

import pytest

from xpm.launchers.plumbing import YamlSyntaxError, close_matches, compose_yaml, did_you_mean


def test_close_matches_gives_the_closest_known_names_first() -> None:
    assert close_matches("partiton", ["qos", "partition", "account"]) == ["partition"]
    assert close_matches("gpus", ["gpus_per_node", "gres", "gpu"], n=1) == ["gpu"]
    assert close_matches("zzz", ["qos"]) == []


def test_did_you_mean_phrases_one_or_several_suggestions() -> None:
    assert did_you_mean(["lr"]) == "did you mean 'lr'?"
    assert did_you_mean(["lr", "l2"], capital=True) == "Did you mean 'lr' or 'l2'?"
    assert did_you_mean([]) == ""


def test_compose_yaml_keeps_lines_and_reads_empty_documents_as_none() -> None:
    node = compose_yaml("a: 1\nb:\n  c: 2\n")
    assert node is not None
    (_, a), (_, b) = node.value
    assert (a.start_mark.line, b.value[0][1].start_mark.line) == (0, 2)
    assert compose_yaml("") is None
    assert compose_yaml("# only a comment\n") is None


def test_compose_yaml_names_the_line_of_a_syntax_error() -> None:
    with pytest.raises(YamlSyntaxError) as caught:
        compose_yaml("a: 1\nb: [1, 2\nc: 3\n")
    assert caught.value.line == 3
    assert "expected ',' or ']'" in caught.value.problem
    assert str(caught.value).startswith("line 3: ")
    assert isinstance(caught.value, ValueError)
