"""README.md must list every setting and hold the two set-up commands CI relies on."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from salespulse.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def _variables(model: type[BaseModel], prefix: str) -> list[str]:
    found = []
    for name, field in model.model_fields.items():
        kind = field.annotation
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            found += _variables(kind, f"{prefix}__{name.upper()}")
        else:
            found.append(f"{prefix}__{name.upper()}")
    return found


def test_every_setting_is_in_the_configuration_table() -> None:
    for section, field in Settings.model_fields.items():
        model = field.default_factory
        assert isinstance(model, type) and issubclass(model, BaseModel)
        for variable in _variables(model, f"SALESPULSE_{section.upper()}"):
            assert f"`{variable}`" in README, variable


def test_ci_runs_the_readme_test_command() -> None:
    assert "scripts/bootstrap && .venv/bin/pytest" in README
    ci = (ROOT / ".ci" / "run").read_text()
    assert "scripts/bootstrap" in ci and ".venv/bin/pytest" in ci
