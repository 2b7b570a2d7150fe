"""Fixtures for the importer tests: tiny CSVs written per test, and a mapping builder."""

from __future__ import annotations

import copy
import gzip
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from salespulse.importers import Mapping, parse_mapping

ORDER_RULE: dict[str, Any] = {
    "type": "order.placed",
    "id": {"template": "o-{Invoice}"},
    "time": {"datetime": "Date", "format": "%Y-%m-%d %H:%M"},
    "data": {
        "order_id": {"column": "Invoice"},
        "customer_id": {"column": "Customer"},
        "amount": {"multiply": [{"column": "Qty"}, {"column": "Price"}]},
        "kind": {"const": "new"},
        "product": {"column": "Sku"},
    },
}

@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[..., Path]:
    """Write ``text`` (``.gz`` compressed when the name says so) and return its path."""

    def write(text: str, name: str = "in.csv", encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        data = text.encode(encoding)
        path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
        return path

    return write


@pytest.fixture
def make_mapping() -> Callable[..., Mapping]:
    """A valid one-rule order mapping; keyword arguments replace top-level keys."""

    def make(*rules: dict[str, Any], **top: Any) -> Mapping:
        doc: dict[str, Any] = {
            "source": "test",
            "timezone": "Europe/London",
            "currency": "GBP",
            "rules": list(rules) or [copy.deepcopy(ORDER_RULE)],
        }
        doc.update(top)
        return Mapping.model_validate(doc)

    return make


@pytest.fixture
def order_rule() -> dict[str, Any]:
    return copy.deepcopy(ORDER_RULE)


@pytest.fixture
def yaml_mapping() -> Callable[[str], Mapping]:
    return lambda text: parse_mapping(text, origin="test.yaml")

