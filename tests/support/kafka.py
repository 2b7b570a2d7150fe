"""Helpers for tests that talk to the real broker: per-test topics, a worker process, readers."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
from aiokafka import AIOKafkaConsumer, ConsumerRecord

from salespulse.settings import Settings
from streams.kafka_client import client_kwargs


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def isolated(settings: Settings, tmp: Path, **ingest: object) -> Settings:
    """Settings with topics, consumer group and web port of their own."""
    run = uuid.uuid4().hex[:10]
    topics = settings.topics.model_copy(
        update={"events": f"{run}.events", "typed": f"{run}.typed", "dlq": f"{run}.dlq"}
    )
    worker = settings.worker.model_copy(
        update={"app_id": f"sp-{run}", "store": "memory://", "data_dir": tmp / run,
                "web_port": free_port()}
    )
    return settings.model_copy(
        update={"topics": topics, "worker": worker,
                "ingest": settings.ingest.model_copy(update=ingest)}
    )


def settings_env(settings: Settings) -> dict[str, str]:
    """The environment that makes a child process load exactly ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SALESPULSE_")}
    flat = {
        "KAFKA__BOOTSTRAP_SERVERS": settings.kafka.bootstrap,
        "TOPICS__EVENTS": settings.topics.events,
        "TOPICS__TYPED": settings.topics.typed,
        "TOPICS__DLQ": settings.topics.dlq,
        "TOPICS__PARTITIONS": str(settings.topics.partitions),
        "WORKER__APP_ID": settings.worker.app_id,
        "WORKER__STORE": settings.worker.store,
        "WORKER__DATA_DIR": str(settings.worker.data_dir),
        "WORKER__WEB_PORT": str(settings.worker.web_port),
        "WORKER__LOG_LEVEL": "info",
        "INGEST__MAX_MESSAGE_BYTES": str(settings.ingest.max_message_bytes),
    }
    env.update({f"SALESPULSE_{k}": v for k, v in flat.items()})
    return env


@contextlib.contextmanager
def worker_process(settings: Settings, log_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """``salespulse worker`` as a child process, ready when /metrics answers."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "salespulse", "worker"],
            env=settings_env(settings), stdout=log, stderr=subprocess.STDOUT,
        )
        try:
            wait_http(f"http://127.0.0.1:{settings.worker.web_port}/metrics", proc, log_path)
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def wait_http(url: str, proc: subprocess.Popen[bytes], log_path: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"worker exited with {proc.returncode}:\n{log_path.read_text()}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=1).status_code == 200:
                return
        time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer; log:\n{log_path.read_text()[-3000:]}")


async def read_topic(
    settings: Settings, topic: str, expected: int, timeout: float = 90
) -> list[ConsumerRecord[bytes, bytes]]:
    """Read ``topic`` from the start until ``expected`` records arrived (or time out)."""
    consumer = AIOKafkaConsumer(
        topic, **client_kwargs(settings.kafka), auto_offset_reset="earliest",
        enable_auto_commit=False, group_id=None,
    )
    await consumer.start()
    records: list[ConsumerRecord[bytes, bytes]] = []
    deadline = time.monotonic() + timeout
    try:
        while len(records) < expected and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            for part in batch.values():
                records.extend(part)
        await asyncio.sleep(0)
    finally:
        await consumer.stop()
    return records
