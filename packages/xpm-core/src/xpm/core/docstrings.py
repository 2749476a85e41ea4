"""The docstrings written under parameters, read from a class's source (for `help`)."""

from __future__ import annotations

_DOC_CACHE: dict[type, dict[str, str]] = {}


def docstrings(cls: type) -> dict[str, str]:
    """Read the docstrings written under each parameter of `cls` (from its source)."""
    if cls in _DOC_CACHE:
        return _DOC_CACHE[cls]
    import ast
    import inspect
    import itertools
    import textwrap

    docs: dict[str, str] = {}
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    except (OSError, TypeError, SyntaxError):
        tree = None
    if tree is not None and tree.body and isinstance(tree.body[0], ast.ClassDef):
        body = tree.body[0].body
        for node, after in itertools.pairwise(body):
            if (
                isinstance(node, ast.AnnAssign)
                and isinstance(node.target, ast.Name)
                and isinstance(after, ast.Expr)
                and isinstance(after.value, ast.Constant)
                and isinstance(after.value.value, str)
            ):
                docs[node.target.id] = inspect.cleandoc(after.value.value)
    _DOC_CACHE[cls] = docs
    return docs
