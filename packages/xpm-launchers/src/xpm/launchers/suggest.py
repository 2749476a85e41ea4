"""The closest known names to a misspelled one, for the "did you mean ...?" of messages.

Every package that reports an unknown name (a YAML key, a SLURM option, a parameter, a
workspace, an experiment) suggests with these two functions, so the suggestions and
their wording agree everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence


def close_matches(word: str, known: Iterable[str], *, n: int = 3) -> list[str]:
    """Return up to `n` names of `known` close to `word`, the closest first."""
    import difflib

    return difflib.get_close_matches(word, list(known), n=n)


def did_you_mean(matches: Sequence[str], *, capital: bool = False) -> str:
    """Return "did you mean 'a' or 'b'?" for `matches`, or "" when there is none.

    `capital` starts the phrase with "Did", for a phrase that follows a full stop.
    """
    if not matches:
        return ""
    phrase = f"id you mean {' or '.join(map(repr, matches))}?"
    return ("D" if capital else "d") + phrase
