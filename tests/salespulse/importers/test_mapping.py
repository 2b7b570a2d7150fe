"""Mapping files: the shipped ones load, bad ones fail with the field named."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from salespulse.exceptions import ImportMappingError, MappingNotFoundError
from salespulse.importers import Mapping, available_mappings, load_mapping, parse_mapping

from .conftest import ORDER_RULE


def test_the_shipped_mappings_are_listed_and_load() -> None:
    assert available_mappings() == ["olist_deals", "olist_leads", "uci_online_retail"]
    for name in available_mappings():
        assert isinstance(load_mapping(name), Mapping)


def test_a_path_loads_too(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump(_doc()))
    assert load_mapping(path).source == "test"
    assert load_mapping(str(path)).source == "test"


def test_an_unknown_name_lists_the_packaged_ones() -> None:
    with pytest.raises(MappingNotFoundError, match="'uci'.*uci_online_retail"):
        load_mapping("uci")


def _doc(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "source": "test",
        "timezone": "Europe/London",
        "currency": "GBP",
        "rules": [copy.deepcopy(ORDER_RULE)],
    }
    doc.update(changes)
    return doc


def _rule(**changes: Any) -> dict[str, Any]:
    rule = copy.deepcopy(ORDER_RULE)
    rule.update(changes)
    return rule


def _data(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(ORDER_RULE["data"])
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


BAD: list[tuple[str, dict[str, Any], str]] = [
    ("extra top key", _doc(sorce="x"), "sorce: Extra inputs are not permitted"),
    ("timezone", _doc(timezone="Europe/Lndon"), "timezone: unknown IANA time zone"),
    ("currency", _doc(currency="GBPP"), "currency: String should match pattern"),
    ("unknown currency", _doc(currency="XYZ"), "currency: unknown ISO 4217 currency code 'XYZ'"),
    ("no rules", _doc(rules=[]), "rules: List should have at least 1 item"),
    ("delimiter", _doc(csv={"delimiter": ";;"}), "csv.delimiter: String should have at most 1"),
    ("encoding", _doc(csv={"encoding": "utf-9"}), "csv.encoding: unknown encoding 'utf-9'"),
    ("event type", _doc(rules=[_rule(type="order.placd")]), "rules.0.type: unknown event type"),
    (
        "payload field",
        _doc(rules=[_rule(data=_data(custmer_id={"column": "Customer"}))]),
        "rules.0.data: order.placed has no field ['custmer_id']",
    ),
    ("required field", _doc(rules=[_rule(data=_data(product=None))]), "requires product"),
    (
        "expression key",
        _doc(rules=[_rule(data=_data(kind={"cnst": "new"}))]),
        "rules.0.data.kind.cnst: Extra inputs are not permitted",
    ),
    (
        "two kinds",
        _doc(rules=[_rule(data=_data(kind={"const": "new", "column": "Sku"}))]),
        "rules.0.data.kind: give exactly one of column, const",
    ),
    (
        "transform",
        _doc(rules=[_rule(data=_data(product={"column": "Sku", "transform": "slugify"}))]),
        "rules.0.data.product.transform.0: Input should be 'strip'",
    ),
    (
        "float const",
        _doc(rules=[_rule(data=_data(amount={"const": 9.95}))]),
        "rules.0.data.amount.const: write decimal constants as quoted strings",
    ),
    (
        "one operand",
        _doc(rules=[_rule(data=_data(amount={"multiply": [{"column": "Qty"}]}))]),
        "rules.0.data.amount.multiply: List should have at least 2 items",
    ),
    (
        "nested operand",
        _doc(rules=[_rule(data=_data(amount={"add": [{"column": "Qty"}, {"colum": "P"}]}))]),
        "rules.0.data.amount.add.1.colum: Extra inputs are not permitted",
    ),
    ("datetime format", _doc(rules=[_rule(time={"datetime": "Date"})]), "rules.0.time: datetime"),
    ("template", _doc(rules=[_rule(id={"template": "o-{Invoice"})]), "rules.0.id.template"),
    ("group_by", _doc(rules=[_rule(group_by="{}")]), "rules.0.group_by: template '{}' needs"),
    (
        "aggregate without group",
        _doc(rules=[_rule(data=_data(amount={"column": "Qty", "aggregate": "sum"}))]),
        "rules.0: data.amount: aggregate 'sum' needs group_by",
    ),
    (
        "condition test",
        _doc(rules=[_rule(when={"column": "Invoice", "startswith": "C", "equals": "x"})]),
        "rules.0.when.0: give exactly one of equals, startswith, one_of, empty",
    ),
    ("no currency anywhere", _doc(currency=None), "rules.0.data.currency: order.placed needs"),
]


@pytest.mark.parametrize(("doc", "expected"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_a_bad_mapping_fails_naming_the_field(
    tmp_path: Path, doc: dict[str, Any], expected: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(doc))
    with pytest.raises(ImportMappingError) as info:
        load_mapping(path)
    message = str(info.value)
    assert expected in message
    assert message.startswith(f"{path}: invalid mapping: ")
    assert "\n" not in message


def test_the_good_base_document_is_valid() -> None:
    """Guards the table above: each bad case differs from a valid mapping by one change."""
    assert Mapping.model_validate(_doc()).rules[0].type == "order.placed"


def test_a_rule_may_map_currency_itself_without_a_top_level_one() -> None:
    rule = _rule(data=_data(currency={"const": "EUR"}))
    assert Mapping.model_validate(_doc(currency=None, rules=[rule])).currency is None


def test_yaml_syntax_errors_give_the_line(yaml_mapping: Callable[[str], Mapping]) -> None:
    with pytest.raises(ImportMappingError, match=r"test.yaml: not valid YAML: .* at line 3"):
        yaml_mapping("source: x\nrules: [\n  - a: b\n  c")


def test_a_yaml_list_is_not_a_mapping() -> None:
    with pytest.raises(ImportMappingError, match="expected a YAML mapping at the top level"):
        parse_mapping("- a\n- b\n")
