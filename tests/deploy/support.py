"""Paths, tool lookup and settings checks shared by the deploy tests."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
import yaml

from salespulse.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
PROMETHEUS = DEPLOY / "prometheus"
DASHBOARDS = DEPLOY / "grafana" / "dashboards"


def need(binary: str) -> str:
    """The binary's path, or a skip saying how to get it."""
    path = shutil.which(binary)
    if path is None:
        pytest.skip(
            f"{binary} not found: scripts/bootstrap installs it (apt: prometheus, "
            "prometheus-alertmanager)"
        )
    return path


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=60, check=False)


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def unknown_settings(names: Iterable[str]) -> list[str]:
    """``SALESPULSE_SECTION__FIELD`` names that are no field of the settings tree."""
    bad = []
    for name in names:
        section, _, field = name.removeprefix("SALESPULSE_").lower().partition("__")
        info = Settings.model_fields.get(section)
        if info is None or field not in info.annotation.model_fields:  # type: ignore[union-attr]
            bad.append(name)
    return bad


def load_with_env(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> Settings:
    """Settings as a process with exactly these ``SALESPULSE_*`` variables loads them."""
    for name in [n for n in os.environ if n.startswith("SALESPULSE_")]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return load_settings()


_SUFFIXES = {"histogram": ("_bucket", "_sum", "_count"), "summary": ("", "_sum", "_count")}


def sample_names(name: str, kind: str) -> set[str]:
    """The series names a metric family shows up as in PromQL."""
    if kind == "counter":
        return {name if name.endswith("_total") else f"{name}_total"}
    return {name + suffix for suffix in _SUFFIXES.get(kind, ("",))}
