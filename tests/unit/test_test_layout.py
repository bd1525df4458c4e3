"""The suite's layout: pytest imports test modules by basename (rootdir-relative, no packages),
so two test files of the same name in tests/unit and tests/integration make the second one an
import error ("import file mismatch") that only shows when both are collected, as in make test."""

from collections import Counter
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def test_every_test_module_name_is_unique_across_the_suite():
    names = Counter(p.name for p in TESTS.rglob("test_*.py"))
    assert [n for n, c in names.items() if c > 1] == []
