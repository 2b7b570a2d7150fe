"""CPU time of the processes in a run, read from ``/proc``: how many cores a rate cost.

A ratio to plain consumption says how far the pipeline is from the ceiling on one
core; the cores the worker *and the broker* burned say whether a second worker can
add anything on this machine (both share its cores).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of ``pid`` so far; None when it is gone (or not Linux)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rpartition(")")[2].split()  # the command name may hold spaces
    return (int(fields[11]) + int(fields[12])) / _TICK


def broker_pid() -> int | None:
    """The local Kafka broker (its main class on the command line), if one runs here."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if b"kafka.Kafka" in cmdline:
            return int(entry.name)
    return None


def sample(pids: Mapping[str, int | None]) -> dict[str, float]:
    """CPU seconds per named process that is alive."""
    out: dict[str, float] = {}
    for name, pid in pids.items():
        used = cpu_seconds(pid) if pid is not None else None
        if used is not None:
            out[name] = used
    return out


def cores(before: Mapping[str, float], after: Mapping[str, float], wall: float) -> dict[str, float]:
    """Average cores each process used between two samples ``wall`` seconds apart."""
    if wall <= 0:
        return {}
    return {name: round((after[name] - before[name]) / wall, 2) for name in after if name in before}
