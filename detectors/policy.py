"""Which detector judges which KPI series, with what parameters: the YAML policy.

The packaged ``defaults.yaml`` names every KPI; a user file overlays it field by field
(``defaults`` < ``kpis.<id>`` < ``dimensions.<dim>`` < the first matching ``series``
entry). Everything is validated when loaded, so a typo fails at start-up with the path
of the field, not at the first anomaly.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from salespulse.exceptions import ConfigError, yaml_where

__all__ = ["DetectorPolicy", "PacingPolicy", "RuleSpec", "SeriesPolicy", "load_policy"]

Method = Literal["rolling", "ensemble", "pacing", "none"]
Watch = Literal["drop", "spike", "both"]
Dimension = Literal["company", "team", "region", "rep", "channel", "campaign", "product"]
DIMENSIONS: tuple[Dimension, ...] = (
    "company",
    "team",
    "region",
    "rep",
    "channel",
    "campaign",
    "product",
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RuleSpec(_Strict):
    """A catalogue rule: a threshold (below / above) or a negative-growth streak."""

    kind: Literal["threshold", "negative_streak"]
    below: float | None = None
    above: float | None = None
    min_denominator: float = Field(default=0.0, ge=0)
    periods: int = Field(default=3, ge=1)

    @model_validator(mode="after")
    def _bounds(self) -> RuleSpec:
        if self.kind == "threshold" and self.below is None and self.above is None:
            raise ValueError("a threshold rule needs below, above or both")
        return self


class Severity(_Strict):
    warning: float = Field(default=0.6, ge=0.5, le=1.0)
    critical: float = Field(default=0.85, ge=0.5, le=1.0)


class SeriesPolicy(_Strict):
    """The resolved parameters of one KPI series (see ``defaults.yaml`` for meanings)."""

    method: Method = "rolling"
    profile: Literal["counts", "money", "ratio"] = "money"  # method ensemble: which one
    window: str = "7d"
    watch: Watch = "drop"
    log: bool = True
    k: float = Field(default=4.5, gt=0)
    rel_floor: float = Field(default=0.25, ge=0)
    min_spread: float = Field(default=0.0, ge=0)
    lag: int = Field(default=7, ge=1, le=90)
    half_life: float = Field(default=14.0, gt=0)
    warmup: int = Field(default=28, ge=1)
    accept_after: int = Field(default=14, ge=2)
    counts: bool = False
    confidence: float = Field(default=0.999, gt=0.5, lt=1.0)
    min_effect: float = Field(default=0.6, gt=0)
    min_gap: float = Field(default=3.0, gt=0)
    min_trials: float = Field(default=10.0, ge=0)
    dimensions: tuple[Dimension, ...] = DIMENSIONS
    severity: Severity = Severity()
    rules: tuple[RuleSpec, ...] = ()
    rule_window: str = "30d"
    rule_dimensions: tuple[Dimension, ...] = ("company", "team")

    @model_validator(mode="after")
    def _accept_after_lag(self) -> SeriesPolicy:
        if self.accept_after <= self.lag:
            raise ValueError(f"accept_after ({self.accept_after}) must exceed lag ({self.lag})")
        return self


class PacingPolicy(_Strict):
    margin: float = Field(default=0.15, gt=0, lt=1)
    critical_margin: float = Field(default=0.3, gt=0, lt=1)
    min_elapsed: float = Field(default=0.3, ge=0, lt=1)
    weekend_weight: float = Field(default=0.2, ge=0, le=1)


class SeriesOverride(_Strict):
    kpi: str | None = None
    dimension: str | None = None
    key: str | None = None
    set: dict[str, Any] = Field(default_factory=dict)


class PolicyFile(_Strict):
    defaults: dict[str, Any] = Field(default_factory=dict)
    kpis: dict[str, dict[str, Any]] = Field(default_factory=dict)
    dimensions: dict[str, dict[str, Any]] = Field(default_factory=dict)
    series: list[SeriesOverride] = Field(default_factory=list)
    pacing: dict[str, Any] = Field(default_factory=dict)


class DetectorPolicy:
    """Resolve the policy of (kpi, dimension, key); results are cached per KPI/dimension."""

    def __init__(self, merged: PolicyFile) -> None:
        self.file = merged
        try:
            self.pacing = PacingPolicy(**merged.pacing)
        except ValidationError as error:
            raise ConfigError(_describe(error, "pacing")) from None
        self._cache: dict[tuple[str, str, str | None], SeriesPolicy] = {}
        for kpi in merged.kpis:  # validate every KPI entry at load, not at first use
            for dimension in DIMENSIONS:
                self.resolve(kpi, dimension)
        for entry in merged.series:  # and every series override, with its key
            for kpi in [entry.kpi] if entry.kpi else list(merged.kpis):
                dims: list[str] = [entry.dimension] if entry.dimension else list(DIMENSIONS)
                for dim in dims:
                    self.resolve(kpi, dim, entry.key)

    def resolve(self, kpi: str, dimension: str, key: str | None = None) -> SeriesPolicy:
        stem = kpi if kpi in self.file.kpis else kpi.split(".", 1)[0]
        specific = any(s.key for s in self.file.series)
        cache_key = (stem, dimension, key if specific else None)
        found = self._cache.get(cache_key)
        if found is None:
            fields = {**self.file.defaults, **self.file.kpis.get(stem, {"method": "none"})}
            fields.update(self.file.dimensions.get(dimension, {}))
            for entry in self.file.series:
                if all(
                    want is None or want == have
                    for want, have in (
                        (entry.kpi, stem),
                        (entry.dimension, dimension),
                        (entry.key, key),
                    )
                ):
                    fields.update(entry.set)
                    break
            try:
                found = SeriesPolicy(**fields)
            except ValidationError as error:
                where = f" (dimension {dimension})"
                raise ConfigError(_describe(error, f"kpis.{stem}", where)) from None
            self._cache[cache_key] = found
        return found


def _describe(error: ValidationError, where: str, context: str = "") -> str:
    first = error.errors()[0]
    path = ".".join(str(p) for p in first["loc"])
    return f"detector policy: {where}.{path}: {first['msg']}{context}"


def _read(path: Path | None, text: str | None = None) -> dict[str, Any]:
    try:
        data = yaml.safe_load(text if text is not None else path.read_text("utf-8"))  # type: ignore[union-attr]
    except OSError as error:
        raise ConfigError(f"detector policy {path}: cannot read: {error.strerror}") from None
    except yaml.YAMLError as error:
        where = yaml_where(error)
        raise ConfigError(
            f"detector policy {path}: cannot read: not valid YAML ({where})"
        ) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"detector policy {path}: the top level must be a mapping")
    return data


def _section(data: dict[str, Any], name: str, kind: type = dict) -> Any:
    value = data.get(name)
    if value is None:
        return kind()
    if not isinstance(value, kind):
        raise ConfigError(f"detector policy: {name} must be a {kind.__name__}")
    return value


def _merge(base: dict[str, Any], top: dict[str, Any]) -> PolicyFile:
    unknown = sorted(set(top) - {"defaults", "kpis", "dimensions", "series", "pacing"})
    if unknown:
        raise ConfigError(f"detector policy: unknown top-level keys {', '.join(unknown)}")
    kpis = dict(_section(base, "kpis"))
    for kpi, fields in _section(top, "kpis").items():
        if kpi not in kpis:
            raise ConfigError(f"detector policy: kpis.{kpi}: unknown KPI id")
        if not isinstance(fields or {}, dict):
            raise ConfigError(f"detector policy: kpis.{kpi} must be a mapping")
        kpis[kpi] = {**kpis[kpi], **(fields or {})}
    dimensions = {**_section(base, "dimensions"), **_section(top, "dimensions")}
    for dim, fields in dimensions.items():
        if dim not in DIMENSIONS or not isinstance(fields or {}, dict):
            raise ConfigError(
                f"detector policy: dimensions.{dim}: unknown dimension or not a mapping"
            )
    series = _section(top, "series", list) or _section(base, "series", list)
    for i, entry in enumerate(series):
        if not isinstance(entry, dict):
            raise ConfigError(f"detector policy: series.{i} must be a mapping")
        if entry.get("kpi") is not None and entry["kpi"] not in kpis:
            raise ConfigError(f"detector policy: series.{i}.kpi: unknown KPI id {entry['kpi']!r}")
        if entry.get("dimension") is not None and entry["dimension"] not in DIMENSIONS:
            raise ConfigError(f"detector policy: series.{i}.dimension: unknown dimension")
    merged = {
        "defaults": {**_section(base, "defaults"), **_section(top, "defaults")},
        "kpis": {k: v or {} for k, v in kpis.items()},
        "dimensions": {k: v or {} for k, v in dimensions.items()},
        "series": series,
        "pacing": {**_section(base, "pacing"), **_section(top, "pacing")},
    }
    try:
        return PolicyFile(**merged)
    except ValidationError as error:
        raise ConfigError(_describe(error, "file").replace("file.", "", 1)) from None


@lru_cache(maxsize=1)
def _packaged() -> str:
    return Path(__file__).with_name("defaults.yaml").read_text("utf-8")


def load_policy(path: Path | None = None) -> DetectorPolicy:
    """The packaged defaults, overlaid with ``path`` when given."""
    base = _read(None, _packaged())
    top = _read(path) if path is not None else {}
    return DetectorPolicy(_merge(base, top))
