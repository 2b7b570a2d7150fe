"""README.md must list every setting and hold the two set-up commands CI relies on."""

from __future__ import annotations

from pathlib import Path

from salespulse.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def test_every_setting_is_in_the_configuration_table() -> None:
    for section, field in Settings.model_fields.items():
        model = field.default_factory
        assert model is not None
        for name in model.model_fields:  # type: ignore[attr-defined]
            assert f"`SALESPULSE_{section.upper()}__{name.upper()}`" in README


def test_ci_runs_the_readme_test_command() -> None:
    assert "scripts/bootstrap && .venv/bin/pytest" in README
    ci = (ROOT / ".ci" / "run").read_text()
    assert "scripts/bootstrap" in ci and ".venv/bin/pytest" in ci
