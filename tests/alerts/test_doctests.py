"""The examples in the alerting modules' docstrings run."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "alerts.inhibit",
    "alerts.matchers",
    "alerts.quiet_hours",
    "alerts.redact",
    "alerts.render.i18n",
    "alerts.render.links",
    "alerts.silences",
    "alerts.timeutil",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0 and result.failed == 0
