"""The tests themselves: a loop that asserts on each item of a collection first asserts the collection is not empty,
so that it cannot pass by looping over nothing."""
import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent
LITERALS = (ast.List, ast.Tuple, ast.Set, ast.Dict, ast.Constant)


def _subject(iterable: ast.expr) -> ast.expr:
    """What a loop goes over: X of X.items() / .values() / .keys(), A of sorted(A), enumerate(A), zip(A, …)."""
    if isinstance(iterable, ast.Call):
        func = iterable.func
        if isinstance(func, ast.Attribute) and func.attr in ("items", "values", "keys") and not iterable.args:
            return _subject(func.value)
        if isinstance(func, ast.Name) and func.id in ("sorted", "enumerate", "zip", "list") and iterable.args:
            return _subject(iterable.args[0])
    return iterable


def _plainly_not_empty(subject: ast.expr, literal_names: set[str]) -> bool:
    if isinstance(subject, LITERALS):
        return True
    if isinstance(subject, ast.Name):
        return subject.id.isupper() or subject.id in literal_names           # a module constant, a literal here
    return isinstance(subject, ast.Call) and isinstance(subject.func, ast.Name) and subject.func.id == "range"


def _unguarded_loops(function: ast.FunctionDef) -> list[str]:
    literal_names = {target.id for node in ast.walk(function) if isinstance(node, ast.Assign)
                     and isinstance(node.value, LITERALS) for target in node.targets if isinstance(target, ast.Name)}
    asserts = [node for node in ast.walk(function) if isinstance(node, ast.Assert)]
    found = []
    for loop in (node for node in ast.walk(function) if isinstance(node, ast.For)):
        if not any(isinstance(node, ast.Assert) for node in ast.walk(loop)):
            continue
        subject = _subject(loop.iter)
        if _plainly_not_empty(subject, literal_names):
            continue
        text = ast.unparse(subject)
        if not any(node.lineno < loop.lineno and text in ast.unparse(node.test) for node in asserts):
            found.append(f"line {loop.lineno}: for … in {ast.unparse(loop.iter)[:60]}")
    return found


def test_loops_that_assert_first_assert_their_collection_is_not_empty():
    modules = sorted(TESTS.rglob("test_*.py"))
    assert len(modules) > 50
    unguarded = {}
    for path in modules:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_") and _unguarded_loops(node):
                unguarded[f"{path.relative_to(TESTS)}::{node.name}"] = _unguarded_loops(node)
    assert unguarded == {}


def test_an_unguarded_loop_is_found_and_a_guarded_one_is_not():
    source = ("def test_a(rows):\n    for row in rows:\n        assert row\n"
              "def test_b(rows):\n    assert rows\n    for row in rows.items():\n        assert row\n"
              "def test_c():\n    names = ['a']\n    for name in names:\n        assert name\n")
    functions = [node for node in ast.parse(source).body if isinstance(node, ast.FunctionDef)]
    assert [bool(_unguarded_loops(f)) for f in functions] == [True, False, False]
