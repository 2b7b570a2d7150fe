"""One series' day cells: the days events still land on as ``DayCell`` objects, the
rest packed into flat arrays.

A day held as a cell cost ~890 bytes at 16 days of history (measured on the
benchmark's mix): the object (248), its integers beyond the small-int cache (~210),
and the arrays of its cycle samples and stage sums (~330, a 64-byte header each). A
series keeps up to ``retention_days`` (200) days. Once no on-time event can land on
a day, its 11 money counters become a row of a signed 64-bit array, and its 12 counts
a row of a 32-bit one (64-bit for the whole series once a count does not fit). Its
samples and stage sums go to the end of per-series arrays shared by all its packed
days, with their counts in a small row of 32-bit integers. A cycle sample is held as
whole seconds (4 bytes) when that gives back the same float, as it does for
second-precise event times.

A write to a packed day is mostly one counter (a lead converted weeks after it was
created, spend spread over a past period): ``add_packed`` adds it in the row. Any
other write unpacks the day, and the next settled day packs it again. Values are the
same whichever form a day is in: samples and stage sums are added in day order, so
their float sums come out as a day-by-day sum gives them.

A counter beyond a signed 64-bit integer (money is in ten-thousandths: more than
922 trillion of a currency in one day of one series) keeps its day unpacked. Money
stays 64-bit: in ten-thousandths, 32 bits end at 214,748 of a currency, which every
series of the benchmark's mix passed within its 16 days (measured).
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from datetime import date

from salespulse.kpis.cells import PACKED, PACKED_COUNTS, DayCell

WIDTH = len(PACKED)
#: a packed day's row of counts (``_counts``) and of money (``_money``)
COUNTS, MONEY = PACKED_COUNTS, WIDTH - PACKED_COUNTS
_COUNT_NAMES, _MONEY_NAMES = PACKED[:COUNTS], PACKED[COUNTS:]
_COLUMN = {name: j for j, name in enumerate(PACKED)}
#: per packed day, in ``_meta``: samples held as seconds, samples held as float days,
#: stages, and 1 + the index of its stage names in ``_names`` (0: none)
_SECONDS, _FLOATS, _STAGES, _NAMES, META = 0, 1, 2, 3, 4
_DAY = 86400
_INT32 = 2**31
_INT64 = 2**63


def _as_seconds(samples: array[float]) -> array[int] | None:
    """``samples`` as whole seconds, or None when that would not give them back exactly."""
    seconds = [round(x * _DAY) for x in samples]
    for s, x in zip(seconds, samples, strict=True):
        if s / _DAY != x or not -_INT32 <= s < _INT32:
            return None
    return array("i", seconds)


class SeriesDays:
    """A mapping of day to cell for one series; ``open`` holds the unpacked days."""

    __slots__ = (
        "open",
        "_ordinals",
        "_counts",
        "_money",
        "_meta",
        "_seconds",
        "_floats",
        "_sums",
        "_names",
    )

    def __init__(self) -> None:
        self.open: dict[date, DayCell] = {}
        self._ordinals: array[int] = array("i")  # packed days, ascending
        self._counts: array[int] = array("i")  # COUNTS counts per packed day, same order
        self._money: array[int] = array("q")  # MONEY amounts per packed day, same order
        self._meta: array[int] = array("i")  # META counts per packed day, same order
        self._seconds: array[int] = array("i")  # cycle samples, in day order
        self._floats: array[float] = array("d")  # cycle samples not whole seconds
        self._sums: array[float] = array("d")  # (days, count) per stage, in day order
        self._names: list[tuple[str, ...]] = []  # the distinct stage tuples of the days

    # ------------------------------------------------------------------ writing
    def cell(self, day: date) -> DayCell:
        """The cell to update for ``day``: open, unpacked, or new."""
        cell = self.open.get(day)
        if cell is None:
            cell = self.open[day] = self._unpack(day.toordinal(), remove=True) or DayCell()
        return cell

    def add_packed(self, day: date, name: str, amount: int) -> bool:
        """Add ``amount`` to counter ``name`` of ``day`` in its packed row.

        False when ``day`` is not packed, or the sum would not fit in 64 bits: the
        caller then writes through ``cell``. Unpacking for each such write left a
        quarter of 70 days unpacked, samples and all (measured).
        """
        i = self._index(day.toordinal())
        if i is None:
            return False
        j = _COLUMN[name]
        if j < COUNTS:
            rows, k = self._counts, i * COUNTS + j
        else:
            rows, k = self._money, i * MONEY + j - COUNTS
        value = rows[k] + amount
        if not -_INT64 <= value < _INT64:
            return False
        if rows.typecode == "i" and not -_INT32 <= value < _INT32:
            rows = self._widen_counts()
        rows[k] = value
        return True

    def pack(self, before: date) -> None:
        """Pack the open days before ``before`` (no on-time event lands on them)."""
        for day in sorted(d for d in self.open if d < before):
            cell = self.open[day]
            rows = self._rows([getattr(cell, name) for name in PACKED])
            if rows is None:
                continue  # beyond 64 bits: the day stays a cell, exact
            counts, money = rows
            del self.open[day]
            ordinal = day.toordinal()
            i = bisect_left(self._ordinals, ordinal)
            seconds, floats, sums, names = array("i"), array("d"), array("d"), 0
            if cell.cycle_days:
                as_seconds = _as_seconds(cell.cycle_days)
                if as_seconds is None:
                    floats = cell.cycle_days
                else:
                    seconds = as_seconds
            if cell.stage_names is not None and cell.stage_sums is not None:
                sums = cell.stage_sums
                if cell.stage_names not in self._names:
                    self._names.append(cell.stage_names)
                names = 1 + self._names.index(cell.stage_names)
            at_seconds, at_floats, at_sums = self._offsets(i)
            self._ordinals.insert(i, ordinal)
            self._counts[i * COUNTS : i * COUNTS] = counts
            self._money[i * MONEY : i * MONEY] = money
            self._meta[i * META : i * META] = array(
                "i", (len(seconds), len(floats), len(sums) // 2, names)
            )
            self._seconds[at_seconds:at_seconds] = seconds
            self._floats[at_floats:at_floats] = floats
            self._sums[at_sums:at_sums] = sums

    def evict(self, horizon: date) -> None:
        """Forget the days before ``horizon``."""
        for day in [d for d in self.open if d < horizon]:
            del self.open[day]
        n = bisect_left(self._ordinals, horizon.toordinal())
        if n:
            seconds, floats, sums = self._offsets(n)
            del self._ordinals[:n]
            del self._counts[: n * COUNTS]
            del self._money[: n * MONEY]
            del self._meta[: n * META]
            del self._seconds[:seconds]
            del self._floats[:floats]
            del self._sums[:sums]

    # ------------------------------------------------------------------ reading
    def add_span(self, total: DayCell, start: date, end: date) -> None:
        """Add the days ``start..end`` into ``total``, samples and stages in day order."""
        ordinals = self._ordinals
        lo = bisect_left(ordinals, start.toordinal())
        hi = bisect_right(ordinals, end.toordinal(), lo)
        if hi > lo:
            for rows, width, names in self._groups():
                base, stop = lo * width, hi * width
                for j, name in enumerate(names):
                    column = sum(rows[base + j : stop : width])
                    if column:
                        setattr(total, name, getattr(total, name) + column)
        pos = lo
        for day in sorted(d for d in self.open if start <= d <= end):
            cut = bisect_left(ordinals, day.toordinal(), pos, hi)
            self._add_extras(total, pos, cut)
            total.add(self.open[day])
            pos = cut
        self._add_extras(total, pos, hi)

    def get(self, day: date) -> DayCell | None:
        """The cell of ``day``; a packed day comes back as a new cell (a copy)."""
        cell = self.open.get(day)
        if cell is not None:
            return cell
        return self._unpack(day.toordinal(), remove=False)

    def items(self) -> Iterator[tuple[date, DayCell]]:
        """Every day in order, packed days as copies."""
        days = sorted({*map(date.fromordinal, self._ordinals), *self.open})
        for day in days:
            cell = self.get(day)
            assert cell is not None
            yield day, cell

    def values(self) -> Iterator[DayCell]:
        return (cell for _, cell in self.items())

    def __len__(self) -> int:
        return len(self.open) + len(self._ordinals)

    def __contains__(self, day: object) -> bool:
        if not isinstance(day, date):
            return False
        return day in self.open or self._index(day.toordinal()) is not None

    def __eq__(self, other: object) -> bool:
        """Same days with the same values, whichever of them are packed."""
        if not isinstance(other, SeriesDays):
            return NotImplemented
        return list(self.items()) == list(other.items())

    __hash__ = None  # type: ignore[assignment]  # mutable, compared by value

    def __repr__(self) -> str:
        return f"SeriesDays({len(self.open)} open, {len(self._ordinals)} packed)"

    # ----------------------------------------------------------------- internal
    def _rows(self, counters: list[int]) -> tuple[array[int], array[int]] | None:
        """A day's counters (in ``PACKED`` order) as its rows of counts and of money,
        widening the series' counts to 64 bits when they need it; None when a counter
        does not fit in 64 bits."""
        try:
            money = array("q", counters[COUNTS:])
            counts = array("q", counters[:COUNTS])
        except OverflowError:
            return None
        if self._counts.typecode == "i":
            try:
                return array("i", counts), money
            except OverflowError:
                self._widen_counts()
        return counts, money

    def _widen_counts(self) -> array[int]:
        """The series' counts as 64-bit from now on (one of them needs it)."""
        self._counts = array("q", self._counts)
        return self._counts

    def _groups(self) -> tuple[tuple[array[int], int, tuple[str, ...]], ...]:
        """Each row array with its width and its counters' names."""
        return (self._counts, COUNTS, _COUNT_NAMES), (self._money, MONEY, _MONEY_NAMES)

    def _index(self, ordinal: int) -> int | None:
        ordinals = self._ordinals
        i = bisect_left(ordinals, ordinal)
        return i if i < len(ordinals) and ordinals[i] == ordinal else None

    def _offsets(self, i: int) -> tuple[int, int, int]:
        """Where packed day ``i``'s seconds, float samples and stage sums start."""
        meta, stop = self._meta, i * META
        return (
            sum(meta[_SECONDS:stop:META]),
            sum(meta[_FLOATS:stop:META]),
            2 * sum(meta[_STAGES:stop:META]),
        )

    def _add_extras(self, total: DayCell, lo: int, hi: int) -> None:
        """Add the samples and stage sums of packed days ``lo..hi-1`` into ``total``."""
        if hi <= lo:
            return
        meta, first, stop = self._meta, lo * META, hi * META
        n_seconds = sum(meta[first + _SECONDS : stop : META])
        n_floats = sum(meta[first + _FLOATS : stop : META])
        n_stages = sum(meta[first + _STAGES : stop : META])
        if not (n_seconds or n_floats or n_stages):
            return
        at_seconds, at_floats, at_sums = self._offsets(lo)
        samples: list[float] | array[float]
        if n_seconds and n_floats:  # both kinds: day by day, in order
            samples = []
            for i in range(lo, hi):
                k, m = meta[i * META + _SECONDS], meta[i * META + _FLOATS]
                samples.extend(s / _DAY for s in self._seconds[at_seconds : at_seconds + k])
                samples.extend(self._floats[at_floats : at_floats + m])
                at_seconds, at_floats = at_seconds + k, at_floats + m
        elif n_seconds:
            samples = [s / _DAY for s in self._seconds[at_seconds : at_seconds + n_seconds]]
        else:
            samples = self._floats[at_floats : at_floats + n_floats]
        if samples:
            if total.cycle_days is None:
                total.cycle_days = array("d", samples)
            else:
                total.cycle_days.extend(samples)
        if n_stages:
            sums = self._sums
            for i in range(lo, hi):
                k = meta[i * META + _STAGES]
                if not k:
                    continue
                names = self._names[meta[i * META + _NAMES] - 1]
                for j, stage in enumerate(names):
                    total.add_stage(stage, sums[at_sums + 2 * j], int(sums[at_sums + 2 * j + 1]))
                at_sums += 2 * k

    def _unpack(self, ordinal: int, *, remove: bool) -> DayCell | None:
        i = self._index(ordinal)
        if i is None:
            return None
        cell = DayCell()
        for rows, width, names in self._groups():
            for name, value in zip(names, rows[i * width : (i + 1) * width], strict=True):
                setattr(cell, name, value)
        self._add_extras(cell, i, i + 1)
        if remove:
            seconds, floats, sums = self._offsets(i)
            meta = self._meta[i * META : (i + 1) * META]
            del self._ordinals[i]
            del self._counts[i * COUNTS : (i + 1) * COUNTS]
            del self._money[i * MONEY : (i + 1) * MONEY]
            del self._meta[i * META : (i + 1) * META]
            del self._seconds[seconds : seconds + meta[_SECONDS]]
            del self._floats[floats : floats + meta[_FLOATS]]
            del self._sums[sums : sums + 2 * meta[_STAGES]]
        return cell
