from __future__ import annotations

import pickle
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from salespulse.kpis.cells import PACKED, DayCell
from salespulse.kpis.days import SeriesDays

START = date(2026, 3, 1)

# one write: (day offset, counter, amount, a cycle sample or None, a stage or None)
WRITES = st.lists(
    st.tuples(
        st.integers(0, 20),
        st.sampled_from(PACKED),
        # small amounts keep a series' counts 32-bit, large ones widen them
        st.integers(-1000, 1000) | st.integers(-(10**16), 10**16),
        # cycle samples: whole seconds (packed as such) or not
        st.none()
        | st.integers(0, 400 * 86400).map(lambda s: s / 86400)
        | st.floats(0, 400, allow_nan=False),
        st.none() | st.sampled_from(["qualify", "propose", "negotiate"]),
    ),
    max_size=60,
)


def _write(
    cell: DayCell, counter: str, amount: int, cycle: float | None, stage: str | None
) -> None:
    setattr(cell, counter, getattr(cell, counter) + amount)
    if cycle is not None:
        cell.add_cycle(cycle)
    if stage is not None:
        cell.add_stage(stage, 1.5)


def _plain_sum(cells: dict[date, DayCell], start: date, end: date) -> DayCell:
    """What the engine summed before days were packed: each day's cell, in day order."""
    total = DayCell()
    for day in sorted(cells):
        if start <= day <= end:
            total.add(cells[day])
    return total


@given(WRITES, st.lists(st.integers(0, 21), max_size=4), st.integers(0, 20), st.integers(0, 20))
def test_a_span_sums_the_same_whichever_days_are_packed(
    writes: list[tuple[int, str, int, float | None, str | None]],
    packs: list[int],
    a: int,
    b: int,
) -> None:
    plain: dict[date, DayCell] = {}
    days = SeriesDays()
    for i, (offset, counter, amount, cycle, stage) in enumerate(writes):
        day = START + timedelta(days=offset)
        _write(plain.setdefault(day, DayCell()), counter, amount, cycle, stage)
        if cycle is not None or stage is not None or not days.add_packed(day, counter, amount):
            _write(days.cell(day), counter, amount, cycle, stage)
        if packs and i % (len(packs) + 1) == 0:
            days.pack(START + timedelta(days=packs[i % len(packs)]))
    start, end = START + timedelta(days=min(a, b)), START + timedelta(days=max(a, b))
    total = DayCell()
    days.add_span(total, start, end)
    assert total == _plain_sum(plain, start, end)
    assert dict(days.items()) == plain and len(days) == len(plain)


def test_old_days_are_packed_and_a_write_unpacks_one() -> None:
    days = SeriesDays()
    for offset in range(5):
        cell = days.cell(START + timedelta(days=offset))
        cell.leads, cell.won_value = offset + 1, 10**12
        cell.add_cycle(float(offset))
    days.pack(START + timedelta(days=3))
    assert sorted(days.open) == [START + timedelta(days=3), START + timedelta(days=4)]
    assert len(days) == 5 and START in days
    copy = days.get(START)
    assert copy is not None and copy.leads == 1 and copy.won_value == 10**12
    copy.leads = 99  # a copy: the packed day is not changed through it
    assert days.get(START) == DayCell(leads=1, won_value=10**12, cycle_days=copy.cycle_days)

    days.cell(START + timedelta(days=1)).leads += 1  # a lead converted days later
    assert START + timedelta(days=1) in days.open
    total = DayCell()
    days.add_span(total, START, START + timedelta(days=4))
    assert total.leads == 1 + 3 + 3 + 4 + 5 and list(total.cycle_days or ()) == [0, 1, 2, 3, 4]


def test_a_counter_beyond_64_bits_keeps_its_day_a_cell() -> None:
    days = SeriesDays()
    days.cell(START).order_revenue = 2**63
    days.cell(START + timedelta(days=1)).order_revenue = 2**63 - 1
    days.pack(START + timedelta(days=5))
    assert list(days.open) == [START]
    total = DayCell()
    days.add_span(total, START, START + timedelta(days=1))
    assert total.order_revenue == 2**64 - 1


def test_counts_are_32_bit_until_one_needs_64_and_money_is_64_bit() -> None:
    days = SeriesDays()
    for offset in range(3):
        cell = days.cell(START + timedelta(days=offset))
        cell.orders, cell.order_revenue = 2**31 - 1, 2**40
    days.pack(START + timedelta(days=2))
    assert (days._counts.typecode, days._money.typecode) == ("i", "q")

    assert days.add_packed(START, "orders", 1)  # 2**31: the series' counts widen
    assert days._counts.typecode == "q"
    days.pack(START + timedelta(days=3))  # a day that fits 32 bits joins 64-bit rows
    assert not days.open
    total = DayCell()
    days.add_span(total, START, START + timedelta(days=2))
    assert total.orders == 3 * (2**31 - 1) + 1 and total.order_revenue == 3 * 2**40

    first = SeriesDays()
    first.cell(START).leads = -(2**40)  # the first day packed already needs 64 bits
    first.pack(START + timedelta(days=1))
    assert first._counts.typecode == "q" and first.get(START) == DayCell(leads=-(2**40))
    assert not first.add_packed(START, "leads", -(2**63))  # beyond 64 bits: not in place
    assert first.get(START) == DayCell(leads=-(2**40))


def test_eviction_forgets_packed_and_open_days() -> None:
    days = SeriesDays()
    for offset in range(6):
        days.cell(START + timedelta(days=offset)).add_stage("qualify", 2.0)
    days.pack(START + timedelta(days=4))
    days.evict(START + timedelta(days=2))
    assert [d for d, _ in days.items()] == [START + timedelta(days=i) for i in (2, 3, 4, 5)]
    days.evict(START + timedelta(days=5))
    assert [d for d, _ in days.items()] == [START + timedelta(days=5)]
    total = DayCell()
    days.add_span(total, START, START + timedelta(days=9))
    assert total.stage("qualify") == (2.0, 1)


def test_packed_days_pickle_and_compare_by_value() -> None:
    packed, unpacked = SeriesDays(), SeriesDays()
    for series in (packed, unpacked):
        for offset in range(3):
            series.cell(START + timedelta(days=offset)).orders = offset
    packed.pack(START + timedelta(days=3))
    assert packed == unpacked and not packed.open
    restored = pickle.loads(pickle.dumps(packed))
    assert restored == unpacked and not restored.open
    unpacked.cell(START).orders += 1
    assert packed != unpacked
