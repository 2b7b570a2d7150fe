"""Profile the worker's full pipeline on a backlog: ``python -m bench.profile``.

Needs py-spy in the environment (``pip install py-spy``; not a project dependency).
Produces the benchmark's mix, starts one worker with every stage (KPIs, detectors,
alerting to a local sink), lets it consume for a moment, then samples it with
``py-spy record`` and prints where the CPU goes: per function, self and inclusive.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from bench.config import bench_settings, delivering
from bench.mix import mix_events
from bench.observe import PROGRESS, ingested, scrape, wait_until
from salespulse.settings import load_settings
from streams.broker import LocalBroker
from streams.producer import produce
from streams.sinks import http_sink
from streams.supervise import worker_process


def top(collapsed: Path, limit: int = 25) -> str:
    """Functions by share of samples, self and inclusive, from py-spy's ``raw`` output."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = [f.rsplit(":", 1)[0] for f in stack.split(";") if f]
        if not frames:
            continue
        n = int(count)
        total += n
        own[frames[-1]] += n
        for frame in set(frames):
            inclusive[frame] += n
    rows = [f"{total} samples"]
    for title, counts in (("self", own), ("inclusive", inclusive)):
        rows.append(f"-- {title}")
        rows += [f"{100 * n / total:5.1f}%  {name}" for name, n in counts.most_common(limit)]
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description="Profile the worker on a backlog.")
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--seconds", type=int, default=40, help="Sampling duration.")
    parser.add_argument("--svg", type=Path, default=None, help="Also write a flame graph.")
    parser.add_argument("--raw", type=Path, default=None, help="Keep the collapsed stacks.")
    args = parser.parse_args()
    spy = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")
    if spy is None:
        raise SystemExit("py-spy not found: pip install py-spy")
    settings = load_settings()
    with LocalBroker(settings):
        events = mix_events(args.events)
        with tempfile.TemporaryDirectory() as tmp, http_sink() as sink:
            work = Path(tmp)
            cfg = delivering(bench_settings(settings, work), work, sink.webhook_url)
            asyncio.run(produce(cfg, events))
            with worker_process(cfg, work / "worker.log") as proc:
                port = cfg.worker.web_port
                wait_until(lambda: ingested(scrape(port, PROGRESS)) > 0, 120, "first batch", 0.2)
                raw = work / "profile.txt"
                record = [spy, "record", "--pid", str(proc.pid), "--duration", str(args.seconds)]
                subprocess.run([*record, "--format", "raw", "-o", str(raw)], check=True)
                if args.svg is not None:
                    subprocess.run([*record, "-o", str(args.svg)], check=True)
                print(top(raw))
                if args.raw is not None:
                    shutil.copyfile(raw, args.raw)


if __name__ == "__main__":
    main()
