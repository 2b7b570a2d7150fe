"""Throughput on a backlog: plain aiokafka vs workers reading the same raw topic.

Every run reads the same N messages of the same topic of the same broker, so the
ratios survive a noisy, shared machine. Workers are timed from the first message
any of them consumed (start-up excluded; with two workers, the rebalance that lets
the second one in is included, as it is in a deployment) to the moment the last
event is through, read off their own ``/metrics`` counters.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import orjson
from aiokafka import AIOKafkaConsumer

from bench.cpu import broker_pid, cores, sample
from bench.observe import PROGRESS, Scrape, ingested, kpi_done, peak_rss, scrape
from salespulse.settings import Settings
from streams.kafka_client import client_kwargs
from streams.supervise import settings_env, stop, wait_http


async def baseline(settings: Settings, expected: int) -> tuple[float, dict[str, float]]:
    """aiokafka ``getmany`` + orjson decode of every value: the ceiling we compare against.

    Returns events/s and the cores this process and the broker used meanwhile.
    """
    pids: dict[str, int | None] = {"consumer": os.getpid(), "broker": broker_pid()}
    consumer = AIOKafkaConsumer(
        settings.topics.events,
        **client_kwargs(settings.kafka),
        group_id=None,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        max_partition_fetch_bytes=4 << 20,
    )
    await consumer.start()
    seen, started = 0, None
    cpu_start: dict[str, float] = {}
    try:
        while seen < expected:
            before = sample(pids)
            batch = await consumer.getmany(timeout_ms=1000, max_records=10_000)
            if batch and started is None:
                started, cpu_start = time.perf_counter(), before
            for records in batch.values():
                for record in records:
                    orjson.loads(record.value)
                seen += len(records)
        ended, cpu_end = time.perf_counter(), sample(pids)
    finally:
        await consumer.stop()
    wall = ended - (started or ended)
    return expected / wall if wall > 0 else 0.0, cores(cpu_start, cpu_end, wall)


@dataclass(frozen=True)
class WorkerRun:
    ingest_events_per_s: float
    events_per_s: float | None  # through the KPI stage (None: no KPI stage in the run)
    #: the same from the moment every worker consumed (a group join/rebalance excluded)
    steady_events_per_s: float | None
    kpi_applied: int
    stalled: bool  # the KPI stage stopped short of every event
    peak_rss_bytes: int  # of the worker running the KPI stage (or the first one)
    all_consuming_after_s: float  # from the first message consumed to every worker consuming
    metrics: Scrape  # that worker's last /metrics page
    cores: dict[str, float]  # average cores per process (workers, broker) while measured


@dataclass
class _Clock:
    expected: int
    start: float | None = None
    idle_at: float | None = None  # the last poll before anything was consumed
    base: float = 0.0  # messages ingested when the clock started
    kpi_base: float = 0.0
    all_in: float | None = None  # every worker has consumed something (group settled)
    kpi_at_all_in: float = 0.0
    ingest_done: float | None = None
    progress: tuple[float, float] = (0.0, 0.0)  # (kpi done, when it last moved)
    cpu_start: dict[str, float] | None = None  # CPU seconds per process at ``start``
    cores: dict[str, float] | None = None

    def observe(self, counts: Sequence[float], kpis: float, now: float) -> None:
        if self.start is None and sum(counts) == 0:
            self.idle_at = now
        if self.start is None and sum(counts) > 0:
            # from the last poll that saw nothing: a small run can be consumed whole
            # between two polls
            if self.idle_at is not None:
                self.start, self.base, self.kpi_base = self.idle_at, 0.0, 0.0
            else:
                self.start, self.base, self.kpi_base = now, sum(counts), kpis
        if self.all_in is None and all(c > 0 for c in counts):
            self.all_in, self.kpi_at_all_in = now, kpis
        if self.ingest_done is None and sum(counts) >= self.expected:
            self.ingest_done = now
        if kpis > self.progress[0]:
            self.progress = (kpis, now)


def backlog(
    runs: Sequence[Settings],
    expected: int,
    logdir: Path,
    *,
    kpis: bool = True,
    stall_seconds: float = 20,
    settle_seconds: float = 0,
    timeout: float = 1800,
) -> WorkerRun:
    """Start one worker per settings (the first one runs the KPI stage when ``kpis``)."""
    with workers(runs, logdir) as procs:
        pids: dict[str, int | None] = {f"worker-{i}": p.pid for i, p in enumerate(procs)}
        pids["broker"] = broker_pid()
        clock = _watch(runs, expected, kpis, stall_seconds, timeout, pids)
        time.sleep(settle_seconds)  # e.g. the alerting stage deciding on the last anomalies
        final = scrape(runs[0].worker.web_port)
        rss = peak_rss(procs[0].pid)
    assert clock.start is not None and clock.ingest_done is not None
    moved_count, moved_at = clock.progress
    pipe = (moved_count - clock.kpi_base) / (moved_at - clock.start) if kpis else None
    settled = clock.all_in if clock.all_in is not None else clock.start
    steady = (
        (moved_count - clock.kpi_at_all_in) / (moved_at - settled)
        if kpis and clock.all_in is not None and moved_at > settled
        else pipe
    )
    return WorkerRun(
        ingest_events_per_s=(expected - clock.base) / max(clock.ingest_done - clock.start, 1e-9),
        events_per_s=pipe,
        steady_events_per_s=steady,
        kpi_applied=int(moved_count),
        stalled=kpis and moved_count < expected,
        peak_rss_bytes=rss,
        all_consuming_after_s=(clock.all_in or clock.start) - clock.start,
        metrics=final,
        cores=clock.cores or {},
    )


@contextlib.contextmanager
def workers(runs: Sequence[Settings], logdir: Path) -> Iterator[list[subprocess.Popen[bytes]]]:
    """Like ``streams.supervise.worker_process``, but every worker is launched before any
    is waited for: they join the ingest group together, as a deployment's replicas do."""
    logdir.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
        procs: list[tuple[subprocess.Popen[bytes], Path]] = []
        for i, cfg in enumerate(runs):
            cfg.worker.data_dir.mkdir(parents=True, exist_ok=True)  # faust makes one level
            path = logdir / f"{cfg.worker.app_id}-{i}.log"
            log = stack.enter_context(path.open("wb"))
            proc = subprocess.Popen(
                [sys.executable, "-m", "salespulse", "worker"],
                env=settings_env(cfg),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
            stack.callback(stop, proc)
            procs.append((proc, path))
        for cfg, (proc, path) in zip(runs, procs, strict=True):
            wait_http(f"http://127.0.0.1:{cfg.worker.web_port}/metrics", proc, path)
        yield [proc for proc, _ in procs]


def _watch(
    runs: Sequence[Settings],
    expected: int,
    kpis: bool,
    stall_seconds: float,
    timeout: float,
    pids: dict[str, int | None],
) -> _Clock:
    idle_cpu = sample(pids)
    clock = _Clock(expected, idle_at=time.perf_counter())  # every worker answers by now
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pages = [scrape(cfg.worker.web_port, PROGRESS) for cfg in runs]
        now = time.perf_counter()
        cpu = sample(pids)
        clock.observe([ingested(p) for p in pages], kpi_done(pages[0]), now)
        if clock.start is None:
            idle_cpu = cpu
        elif clock.cpu_start is None:  # the clock starts at the last idle poll
            clock.cpu_start = idle_cpu if clock.start != now else cpu
        if clock.ingest_done is not None:
            done = not kpis or clock.progress[0] >= expected
            if done or now - max(clock.progress[1], clock.ingest_done) > stall_seconds:
                # done, or the KPI stage holds the tail back: report it
                assert clock.start is not None and clock.cpu_start is not None
                clock.cores = cores(clock.cpu_start, cpu, now - clock.start)
                return clock
        time.sleep(0.05)
    raise TimeoutError(f"workers did not process {expected} messages in {timeout}s")
