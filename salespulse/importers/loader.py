"""Find and parse mapping files: a packaged name (``uci_online_retail``) or a path."""

from __future__ import annotations

import re
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

import yaml
from pydantic import ValidationError

from salespulse.exceptions import ImportMappingError, MappingNotFoundError
from salespulse.importers.mapping import Mapping

_NAME = re.compile(r"^[A-Za-z0-9_\-]+$")


def _packaged() -> Traversable:
    return files("salespulse.importers").joinpath("mappings")


def available_mappings() -> list[str]:
    """Names of the mappings shipped with SalesPulse."""
    return sorted(
        p.name.removesuffix(".yaml") for p in _packaged().iterdir() if p.name.endswith(".yaml")
    )


def resolve_mapping(ref: str | Path) -> Traversable:
    """An existing file path wins; otherwise a packaged mapping of that name."""
    path = Path(ref)
    if path.is_file():
        return path
    if _NAME.match(str(ref)):
        packaged = _packaged().joinpath(f"{ref}.yaml")
        if packaged.is_file():
            return packaged
    names = ", ".join(available_mappings())
    raise MappingNotFoundError(
        f"no mapping {str(ref)!r}: not a file, nor a packaged mapping ({names})"
    )


def load_mapping(ref: str | Path) -> Mapping:
    """Load and validate a mapping; raises ``ImportMappingError`` naming the bad field."""
    source = resolve_mapping(ref)
    try:
        text = source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportMappingError(f"{ref}: cannot read mapping ({exc})") from None
    return parse_mapping(text, origin=str(ref))


def parse_mapping(text: str, *, origin: str = "<mapping>") -> Mapping:
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ImportMappingError(f"{origin}: not valid YAML: {_yaml_problem(exc)}") from None
    if not isinstance(raw, dict):
        raise ImportMappingError(f"{origin}: expected a YAML mapping at the top level")
    try:
        return Mapping.model_validate(raw)
    except ValidationError as exc:
        raise ImportMappingError(f"{origin}: invalid mapping: {describe_errors(exc)}") from None


def describe_errors(exc: ValidationError) -> str:
    """Every error as ``field.path: message`` on one line."""
    parts = []
    for err in exc.errors(include_url=False, include_input=False):
        field = ".".join(str(x) for x in err["loc"])
        message = err["msg"].removeprefix("Value error, ")
        parts.append(f"{field}: {message}" if field else message)
    return "; ".join(parts)


def _yaml_problem(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return f"{problem} at line {mark.line + 1}" if mark is not None else str(problem)
