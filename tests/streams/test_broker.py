from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from salespulse.exceptions import BrokerError
from salespulse.settings import Settings
from streams.broker import LocalBroker
from streams.broker_probe import metadata_answers
from tests.support.kafka import free_port, settings_env

pytestmark = pytest.mark.kafka


def test_session_broker_answers_metadata(kafka: Settings) -> None:
    assert metadata_answers(kafka)


def test_nothing_started_when_bootstrap_answers(kafka: Settings) -> None:
    broker = LocalBroker(kafka)
    assert broker.start() is False
    assert broker.process is None


def test_a_with_block_leaves_a_broker_it_did_not_start_running(kafka: Settings) -> None:
    with LocalBroker(kafka) as broker:
        assert broker.process is None
    assert metadata_answers(kafka), "the session's broker was not stopped"


def test_remote_bootstrap_that_is_down_is_not_started_locally() -> None:
    settings = Settings(kafka={"bootstrap_servers": "kafka.invalid:9092"})
    with pytest.raises(BrokerError, match="not a single local address"):
        LocalBroker(settings).start()


def test_cli_broker_starts_and_stops_on_sigterm(kafka: Settings, tmp_path: Path) -> None:
    port = free_port()
    settings = kafka.model_copy(
        update={
            "kafka": kafka.kafka.model_copy(update={"bootstrap_servers": [f"127.0.0.1:{port}"]})
        }
    )
    env = settings_env(settings)
    env["SALESPULSE_BROKER__DATA_DIR"] = str(tmp_path / "kafka")
    env["SALESPULSE_BROKER__CACHE_DIR"] = str(kafka.broker.cache_dir)
    proc = subprocess.Popen(
        [sys.executable, "-m", "salespulse", "broker"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline()]
        while lines[-1] and "ready at" not in lines[-1]:
            lines.append(proc.stdout.readline())
        assert "ready at" in lines[-1], lines
        assert metadata_answers(settings)
        assert (tmp_path / "kafka" / "broker.log").stat().st_size > 0, "logs go to a file"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
        time.sleep(0.5)
        assert not metadata_answers(settings, timeout=1)
    finally:
        if proc.poll() is None:
            proc.kill()
