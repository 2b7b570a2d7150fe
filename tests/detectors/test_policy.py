"""The detector policy: packaged defaults for every KPI, overlay precedence, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from detectors.policy import DIMENSIONS, DetectorPolicy, load_policy
from salespulse.exceptions import ConfigError
from salespulse.kpis.registry import NOW, THIRTY_DAY, WINDOWED

PUBLISHED = {*WINDOWED, *THIRTY_DAY, *NOW, "plan_attainment", "plan_pace", "stage_days"}


def policy_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "detectors.yaml"
    path.write_text(text, "utf-8")
    return path


def load(tmp_path: Path, text: str) -> DetectorPolicy:
    return load_policy(policy_file(tmp_path, text))


def test_packaged_defaults_name_every_published_kpi_and_nothing_else() -> None:
    named = set(load_policy().file.kpis)
    assert PUBLISHED - named == set(), "a KPI the engine publishes has no policy"
    assert named - PUBLISHED == set(), "the policy names a KPI the engine never publishes"


@pytest.mark.parametrize("kpi", sorted(PUBLISHED))
def test_every_published_kpi_resolves_on_every_dimension(kpi: str) -> None:
    policy = load_policy()
    for dimension in DIMENSIONS:
        resolved = policy.resolve(kpi, dimension, "k")
        assert resolved.method in ("rolling", "pacing", "none")
        if resolved.method == "rolling":
            assert resolved.window in ("7d", "now")


def test_packaged_defaults_choose_sensible_detectors() -> None:
    policy = load_policy()
    assert policy.resolve("win_rate", "team").counts
    assert policy.resolve("churn_rate", "region").watch == "spike"
    assert policy.resolve("revenue", "company").watch == "drop"
    plan = policy.resolve("plan_attainment", "team")
    assert (plan.method, plan.window, plan.dimensions) == (
        "pacing",
        "mtd",
        ("company", "team", "region"),
    )
    assert policy.resolve("plan_attainment.profit", "team").method == "pacing"
    assert policy.resolve("plan_pace.orders", "team").method == "none"
    assert policy.pacing.margin == 0.15 and policy.pacing.weekend_weight == 0.2


def test_stage_days_resolve_by_their_stem() -> None:
    policy = load_policy()
    assert policy.resolve("stage_days.discovery", "rep") == policy.resolve("stage_days", "rep")
    assert policy.resolve("stage_days.discovery", "rep").watch == "spike"


def test_an_unknown_kpi_gets_no_statistical_detector() -> None:
    assert load_policy().resolve("no_such_kpi", "company").method == "none"


def test_empty_file_is_the_packaged_defaults(tmp_path: Path) -> None:
    empty = load(tmp_path, "# nothing here\n")
    assert empty.resolve("revenue", "team") == load_policy().resolve("revenue", "team")


OVERLAY = """
defaults: {k: 5}
kpis:
  revenue: {k: 6}
dimensions:
  team: {k: 7}
series:
  - {kpi: revenue, dimension: team, key: t1, set: {k: 8}}
  - {kpi: revenue, dimension: team, key: t1, set: {k: 9}}
  - {dimension: rep, set: {warmup: 60}}
"""


def test_overlay_precedence_defaults_kpis_dimensions_series(tmp_path: Path) -> None:
    policy = load(tmp_path, OVERLAY)
    assert policy.resolve("orders", "company").k == 5  # user defaults
    assert policy.resolve("revenue", "company").k == 6  # kpis beat defaults
    assert policy.resolve("revenue", "team", "t2").k == 7  # dimensions beat kpis
    assert policy.resolve("revenue", "team", "t1").k == 8  # the first matching series wins
    assert policy.resolve("revenue", "rep", "r1").warmup == 60
    assert policy.resolve("revenue", "rep", "r1").k == 6


def test_fields_merge_one_by_one_with_the_packaged_entries(tmp_path: Path) -> None:
    policy = load(tmp_path, "defaults: {log: true, warmup: 40}\nkpis: {win_rate: {k: 3}}\n")
    win_rate = policy.resolve("win_rate", "team")
    assert win_rate.k == 3 and win_rate.counts and win_rate.rules  # packaged fields kept
    assert win_rate.warmup == 40
    assert not policy.resolve("margin_pct", "team").log  # packaged kpis beat user defaults


def test_series_entries_of_the_user_replace_the_packaged_list(tmp_path: Path) -> None:
    policy = load(tmp_path, "series: [{kpi: lost, set: {method: none}}]\n")
    assert policy.resolve("lost", "rep", "r1").method == "none"
    assert policy.resolve("won", "rep", "r1").method == "rolling"


def test_pacing_overlays_field_by_field(tmp_path: Path) -> None:
    policy = load(tmp_path, "pacing: {margin: 0.2}\n")
    assert policy.pacing.margin == 0.2 and policy.pacing.min_elapsed == 0.3


@pytest.mark.parametrize(
    "text,message",
    [
        ("kpis: {revenue: {k: -1}}", r"kpis\.revenue\.k: Input should be greater than 0"),
        ("kpis: {revenue: {kk: 1}}", r"kpis\.revenue\.kk: Extra inputs are not permitted"),
        ("defaults: {lag: 0}", r"lag: Input should be greater than or equal to 1"),
        ("dimensions: {team: {watch: sideways}}", r"\.watch: .*\(dimension team\)"),
        ("kpis: {revenue: {method: magic}}", r"kpis\.revenue\.method:"),
        ("defaults: {severity: {warning: 0.2}}", r"severity\.warning"),
        ("kk: 1", r"unknown top-level keys kk"),
        ("kpis: [", r"cannot read"),
        ("- just\n- a list\n", r"top level must be a mapping"),
        ("series: [{kpi: revenue, sett: {k: 1}}]", r"series\.0\.sett"),
        (
            "kpis: {win_rate: {rules: [{kind: threshold}]}}",
            r"rules\.0: .*needs below, above or both",
        ),
        ("kpis: {win_rate: {rules: [{kind: sometimes}]}}", r"rules\.0\.kind"),
    ],
)
def test_bad_values_raise_config_error_naming_the_field(
    tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        load(tmp_path, text)


def test_a_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_policy(tmp_path / "absent.yaml")


def test_packaged_defaults_are_valid_yaml_with_the_documented_sections() -> None:
    text = (Path(__file__).parents[2] / "detectors" / "defaults.yaml").read_text("utf-8")
    assert set(yaml.safe_load(text)) == {"defaults", "kpis", "pacing", "dimensions", "series"}


@pytest.mark.parametrize("text", ["kpis: [revenue]\n", "kpis: {revenue: [1]}\n", "pacing: 3\n"])
def test_a_section_of_the_wrong_shape_is_a_config_error(tmp_path: Path, text: str) -> None:
    with pytest.raises(ConfigError):
        load(tmp_path, text)


@pytest.mark.parametrize("text", ["pacing: {margin: 2}\n", "pacing: {marginn: 0.1}\n"])
def test_bad_pacing_values_raise_config_error(tmp_path: Path, text: str) -> None:
    with pytest.raises(ConfigError, match=r"pacing\.margin"):
        load(tmp_path, text)


@pytest.mark.parametrize(
    "text",
    [
        "dimensions: {teams: {k: 2}}\n",
        "series: [{dimension: teams, set: {k: 2}}]\n",
        "kpis: {revnue: {k: 2}}\n",
    ],
)
def test_a_misspelt_dimension_or_kpi_fails_at_load(tmp_path: Path, text: str) -> None:
    with pytest.raises(ConfigError):
        load(tmp_path, text)


def test_a_bad_value_in_a_keyed_series_entry_fails_at_load(tmp_path: Path) -> None:
    text = "series: [{kpi: revenue, dimension: team, key: t1, set: {k: -1}}]\n"
    with pytest.raises(ConfigError):
        load(tmp_path, text)


def test_an_empty_section_is_an_empty_overlay(tmp_path: Path) -> None:
    assert load(tmp_path, "defaults:\n").resolve("revenue", "team").k == 4.5
