"""PromQL found in dashboards and rule files: Grafana variables made literal, metric names,
and a syntax check through ``promtool check rules`` (Prometheus' own parser)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from tests.deploy.support import run

#: Grafana's built-in interval variables, as literals PromQL accepts where they are used.
_BUILTINS = {"__rate_interval": "5m", "__interval": "1m", "__range": "1h", "__range_s": "3600"}
_BUILTIN = re.compile(r"\$\{?(__\w+?)\}?(?![\w])")
_VARIABLE = re.compile(r"\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)\]\]")
_LABEL_VALUES = re.compile(r"^label_values\((.+),\s*(\w+)\)$", re.S)

_STRINGS = re.compile(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|`[^`]*`')
_MATCHERS = re.compile(r"\{[^{}]*\}")
_RANGES = re.compile(r"\[[^\]]*\]")
_LABEL_LISTS = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_NAME = re.compile(r"(?<![\w.:])([A-Za-z_:][\w:]*)(?![\w:])(?!\s*\()")
_KEYWORDS = {"and", "or", "unless", "bool", "offset", "inf", "nan", "Inf", "NaN"}
_KEYWORDS |= {"by", "without", "on", "ignoring", "group_left", "group_right"}


def literal(expr: str) -> str:
    """``expr`` with Grafana variables replaced: intervals by durations, the rest by ``x``."""
    expr = _BUILTIN.sub(lambda m: _BUILTINS[m.group(1)], expr)
    return _VARIABLE.sub("x", expr)


def metric_names(expr: str) -> set[str]:
    """Metric names an expression selects (not functions, keywords, labels or strings)."""
    text = _STRINGS.sub('""', literal(expr))
    for pattern in (_MATCHERS, _RANGES, _LABEL_LISTS):
        text = pattern.sub(" ", text)
    return {n for n in _NAME.findall(text) if n not in _KEYWORDS}


def all_panels(panels: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for panel in panels:
        yield panel
        yield from all_panels(panel.get("panels", []))


def dashboard_exprs(path: Path) -> Iterator[tuple[str, str]]:
    """(where, PromQL) for every panel target, annotation and query variable of a dashboard."""
    board = json.loads(path.read_text())
    for panel in all_panels(board["panels"]):
        for target in panel.get("targets", []):
            yield (
                f"{path.stem} panel {panel['id']} ({panel['title']}) {target['refId']}",
                target["expr"],
            )
    for note in board["annotations"]["list"]:
        if "expr" in note:
            yield f"{path.stem} annotation {note['name']}", note["expr"]
    for var in board["templating"]["list"]:
        if var["type"] == "query":
            selector = _LABEL_VALUES.match(var["query"]["query"])
            assert selector, f"{path.stem} variable {var['name']}: not label_values(...)"
            yield f"{path.stem} variable {var['name']}", selector.group(1)


def rule_exprs(path: Path) -> Iterator[tuple[str, str]]:
    for group in yaml.safe_load(path.read_text())["groups"]:
        for rule in group["rules"]:
            yield f"{path.name} {rule.get('alert') or rule['record']}", rule["expr"]


def promtool_parse(exprs: list[tuple[str, str]], tmp: Path) -> str:
    """Run ``promtool check rules`` over the expressions as recording rules; return its errors.

    Errors name the rule, ``check:N``; the N-th entry of ``exprs`` says where it came from.
    """
    rules = [{"record": f"check:{i}", "expr": literal(e)} for i, (_, e) in enumerate(exprs)]
    path = tmp / "exprs.rules.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "exprs", "rules": rules}]}))
    done = run("promtool", "check", "rules", str(path))
    if done.returncode == 0:
        return ""
    index = "\n".join(f"check:{i} = {where}: {e}" for i, (where, e) in enumerate(exprs))
    return f"{done.stdout}{done.stderr}\n{index}"
