"""The import engine on small CSVs: grouping, rejected rows with lines and reasons, reading."""

from __future__ import annotations

import copy
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from salespulse.exceptions import ImportSourceError
from salespulse.importers import ImportedRow, Importer, Mapping, RejectedRow, import_rows

Write = Callable[..., Path]
Make = Callable[..., Mapping]

HEADER = "Invoice,Sku,Qty,Price,Date,Customer,Country\n"
INVOICES = HEADER + (
    "1001,A,2,1.50,2011-01-03 10:00,c1,United Kingdom\n"  # line 2
    "1001,B,1,0.25,2011-01-03 10:01,c1,United Kingdom\n"  # 3
    "C1002,A,-1,1.50,2011-01-03 10:02,c1,United Kingdom\n"  # 4: another rule, mid-invoice
    "1001,C,3,0.10,2011-01-03 10:02,c1,United Kingdom\n"  # 5: still invoice 1001
    "1003,A,1,2.00,2011-01-03 11:00,,France\n"  # 6: no customer
    "1003,B,1,1.00,2011-01-03 11:00,,France\n"  # 7
    "1004,A,1,2.00,2011-01-04 09:00,c2,France\n"  # 8
    "1001,D,1,5.00,2011-01-04 09:30,c1,United Kingdom\n"  # 9: 1001 again, after it closed
)


def grouped(rule: dict[str, Any], kind: str = "order.placed") -> dict[str, Any]:
    rule = copy.deepcopy(rule)
    rule["group_by"] = "{Invoice}"
    rule["when"] = {"column": "Invoice", "startswith": "C", "negate": kind == "order.placed"}
    rule["data"]["amount"]["aggregate"] = "sum"
    rule["data"]["customer_id"]["aggregate"] = "same"
    if kind == "order.cancelled":
        rule.update(type=kind, id={"template": "x-{Invoice}"})
        rule["data"].pop("kind")
        rule["data"]["amount"]["transform"] = "negate"
    return rule


@pytest.fixture
def invoice_mapping(make_mapping: Make, order_rule: dict[str, Any]) -> Mapping:
    return make_mapping(grouped(order_rule), grouped(order_rule, "order.cancelled"))


def run(mapping: Mapping, path: Path, **kw: Any) -> list[ImportedRow | RejectedRow]:
    return list(import_rows(mapping, path, **kw))


def data(item: ImportedRow | RejectedRow) -> Any:
    assert isinstance(item, ImportedRow), item
    return item.event.data  # type: ignore[attr-defined]


def test_consecutive_rows_of_a_key_become_one_event(
    write_csv: Write, invoice_mapping: Mapping
) -> None:
    first = run(invoice_mapping, write_csv(INVOICES))[0]
    assert isinstance(first, ImportedRow)
    assert (first.line, first.last_line, first.rows) == (2, 5, 3)
    assert first.event.id == "o-1001"
    assert data(first).amount == Decimal("3.55")  # 2*1.50 + 1*0.25 + 3*0.10; line 4 is not in it
    assert data(first).product == "A"  # first row of the group
    assert first.event.time.isoformat() == "2011-01-03T10:00:00+00:00"


def test_every_group_and_every_rejected_row(write_csv: Write, invoice_mapping: Mapping) -> None:
    items = run(invoice_mapping, write_csv(INVOICES))
    summary = [
        (i.event.id, str(data(i).amount)) if isinstance(i, ImportedRow) else (i.line, i.reason)
        for i in items
    ]
    assert summary == [
        ("o-1001", "3.55"),
        (6, "data.customer_id: Field required (column Customer is empty)"),
        ("o-1004", "2.00"),
        (9, "group_by: key reappears after its group"),
        ("x-C1002", "1.50"),
    ]
    rejected = [i for i in items if isinstance(i, RejectedRow)]
    assert (rejected[0].last_line, rejected[0].rows, rejected[0].group) == (7, 2, "1003")
    assert rejected[1].detail == "key '1001', its group ended at line 5"
    assert sum(i.rows for i in items) == 8  # every data row is in exactly one outcome


def test_a_group_whose_rows_disagree_is_rejected(
    write_csv: Write, make_mapping: Make, order_rule: dict[str, Any]
) -> None:
    text = HEADER + "1,A,1,1,2011-01-03 10:00,c1,UK\n1,B,1,1,2011-01-03 10:00,c2,UK\n"
    (item,) = run(make_mapping(grouped(order_rule)), write_csv(text))
    assert isinstance(item, RejectedRow)
    assert item.reason == "data.customer_id: rows of one group disagree"
    assert item.detail == "c1 at line 2, c2 at line 3"


@pytest.mark.parametrize(
    ("qty", "reason", "detail"),
    [
        ("x", "data.amount: not a decimal number", "line 3: 'x'"),
        ("", "data.amount: empty value in a summed row", "line 3"),
    ],
)
def test_a_bad_line_in_a_group_names_the_line(
    write_csv: Write, make_mapping: Make, order_rule: dict[str, Any], qty: str, reason: str,
    detail: str,
) -> None:
    text = HEADER + f"1,A,1,1,2011-01-03 10:00,c1,UK\n1,B,{qty},1,2011-01-03 10:00,c1,UK\n"
    (item,) = run(make_mapping(grouped(order_rule)), write_csv(text))
    assert isinstance(item, RejectedRow)
    assert (item.line, item.last_line, item.reason, item.detail) == (2, 3, reason, detail)


def test_contract_errors_give_the_field_path_message_and_value(
    write_csv: Write, make_mapping: Make
) -> None:
    text = HEADER + "1,A,-1,1.5,2011-01-03 10:00,c1,UK\n2,bad sku,1,1,2011-01-03 10:00,c1,UK\n"
    items = run(make_mapping(), write_csv(text))
    assert [(i.line, i.reason, i.detail) for i in items if isinstance(i, RejectedRow)] == [
        (2, "data.amount: Input should be greater than 0", "data.amount=-1.5"),
        (3, "data.product: String should match pattern '^[A-Za-z0-9][A-Za-z0-9._:@/\\-]*$'",
         "data.product=bad sku"),
    ]
    assert all(isinstance(i, RejectedRow) and i.rule == "order.placed" for i in items)


def test_rows_no_rule_takes_and_rows_of_the_wrong_width_are_reported(
    write_csv: Write, make_mapping: Make, order_rule: dict[str, Any]
) -> None:
    order_rule["when"] = {"column": "Country", "one_of": ["UK"]}
    text = HEADER + "1,A,1,1,2011-01-03 10:00,c1,UK\n2,A,1,1,2011-01-03 10:00,c1,FR\n3,A,1\n"
    items = run(make_mapping(order_rule), write_csv(text))
    assert isinstance(items[0], ImportedRow)
    rejects = [i for i in items if isinstance(i, RejectedRow)]
    assert [(i.line, i.rule, i.reason, i.detail) for i in rejects] == [
        (3, None, "no rule matches the row", ""),
        (4, None, "wrong number of cells", "3 cells, header has 7"),
    ]
    assert items[2].key == "wrong number of cells"  # type: ignore[union-attr]


def test_an_empty_group_key_is_rejected(
    write_csv: Write, make_mapping: Make, order_rule: dict[str, Any]
) -> None:
    rule = grouped(order_rule)
    rule["when"] = []
    (item,) = run(make_mapping(rule), write_csv(HEADER + ",A,1,1,2011-01-03 10:00,c1,UK\n"))
    assert isinstance(item, RejectedRow) and item.reason == "group_by: key is empty"


def test_one_row_can_make_several_events(write_csv: Write, make_mapping: Make) -> None:
    acquired = {
        "type": "customer.acquired",
        "id": {"template": "cust-{Customer}-{_line}"},
        "time": {"datetime": "Date", "format": "%Y-%m-%d %H:%M"},
        "data": {"customer_id": {"column": "Customer"}, "region": {"column": "Country"}},
    }
    order = copy.deepcopy(make_mapping().rules[0].model_dump(exclude_defaults=True))
    path = write_csv(HEADER + "1,A,1,1,2011-01-03 10:00,c1,UK\n")
    items = run(make_mapping(order, acquired), path)
    types = [i.event.type for i in items if isinstance(i, ImportedRow)]  # type: ignore[attr-defined]
    assert types == ["order.placed", "customer.acquired"]
    assert items[1].event.id == "cust-c1-2"  # type: ignore[union-attr]


def test_ids_are_deterministic(write_csv: Write, invoice_mapping: Mapping) -> None:
    path = write_csv(INVOICES)
    ids = [[i.event.id for i in run(invoice_mapping, path) if isinstance(i, ImportedRow)]
           for _ in range(2)]
    assert ids[0] == ids[1] == ["o-1001", "o-1004", "x-C1002"]


def test_line_numbers_survive_quoted_newlines_and_blank_lines(
    write_csv: Write, make_mapping: Make
) -> None:
    text = HEADER + (
        '"1",A,1,1,2011-01-03 10:00,c1,"United\nKingdom"\n'  # lines 2-3
        "\n"  # line 4: blank, not a record
        "2,A,-1,1,2011-01-03 10:00,c1,UK\n"  # line 5
    )
    items = run(make_mapping(), write_csv(text))
    assert [i.line for i in items] == [2, 5]
    assert isinstance(items[1], RejectedRow)


def test_gzip_encoding_and_delimiter(write_csv: Write, make_mapping: Make) -> None:
    text = HEADER.replace(",", ";") + "1;Crème;2;1,5;2011-01-03 10:00;c1;UK\n".replace("1,5", "1.5")
    path = write_csv(text, "in.csv.gz", "latin-1")
    mapping = make_mapping(csv={"delimiter": ";", "encoding": "latin-1"})
    (item,) = run(mapping, path)
    assert isinstance(item, RejectedRow)  # "Crème" is not an id: but it was decoded
    assert item.detail == "data.product=Crème"


def test_undecodable_bytes_stop_the_import_with_the_line(
    write_csv: Write, make_mapping: Make
) -> None:
    text = HEADER + "1,A,1,1,2011-01-03 10:00,c1,UK\n" + "2,Crème,1\n"
    path = write_csv(text, "in.csv", "latin-1")
    with pytest.raises(ImportSourceError, match=r"in.csv: line \d+: not utf-8 text"):
        run(make_mapping(), path)


def test_limit_reads_only_the_first_rows(write_csv: Write, invoice_mapping: Mapping) -> None:
    with Importer(invoice_mapping, write_csv(INVOICES), limit=3) as importer:
        items = list(importer)
        assert importer.rows_read == 3
    assert [(i.line, i.rows) for i in items] == [(2, 2), (4, 1)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty file, expected a header line"),
        ("Invoice,Sku\n1,A\n", "uses 'Customer', 'Date', 'Price', 'Qty', not in the CSV header"),
    ],
)
def test_a_file_that_does_not_fit_the_mapping_fails_before_any_row(
    write_csv: Write, make_mapping: Make, text: str, message: str
) -> None:
    path = write_csv(text)
    with pytest.raises(ImportSourceError, match=message) as info:
        Importer(make_mapping(), path)
    assert str(info.value).startswith(str(path))


def test_a_missing_file(tmp_path: Path, make_mapping: Make) -> None:
    with pytest.raises(ImportSourceError, match="no such file"):
        Importer(make_mapping(), tmp_path / "nope.csv")
