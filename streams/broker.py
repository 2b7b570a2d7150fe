"""A single-node Apache Kafka (KRaft) for the demo and the tests.

The jars come from Maven Central through ``mvn`` into a cache outside the repo,
so the only system prerequisites are Java 17 and Maven. When the configured
bootstrap servers already answer, nothing is started: a user with a cluster of
their own just points ``SALESPULSE_KAFKA__BOOTSTRAP_SERVERS`` at it.
"""

from __future__ import annotations

import base64
import logging
import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from salespulse.exceptions import BrokerError
from salespulse.settings import Settings
from streams.broker_probe import metadata_answers

log = logging.getLogger(__name__)
_FILES = Path(__file__).with_name("broker_files")
_LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


def local_port(settings: Settings) -> int:
    """The port to start on, or ``BrokerError`` when the bootstrap is not this machine."""
    host, _, port = settings.kafka.bootstrap_servers[0].rpartition(":")
    if host not in _LOCAL_HOSTS or len(settings.kafka.bootstrap_servers) > 1:
        raise BrokerError(
            f"kafka.bootstrap_servers={settings.kafka.bootstrap!r} does not answer and is not a "
            "single local address, so no local broker is started for it"
        )
    return int(port)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def ensure_jars(settings: Settings) -> Path:
    """Resolve ``kafka_2.13`` and its runtime dependencies once; return the lib folder."""
    home = settings.broker.cache_dir / f"kafka-{settings.broker.kafka_version}"
    libs = home / "libs"
    done = home / ".complete"
    if done.exists():
        return libs
    if shutil.which("mvn") is None:
        raise BrokerError("mvn not found: install Maven (apt-get install maven) to fetch Kafka")
    home.mkdir(parents=True, exist_ok=True)
    pom = (_FILES / "pom.xml").read_text().replace("@KAFKA_VERSION@", settings.broker.kafka_version)
    (home / "pom.xml").write_text(pom)
    shutil.rmtree(libs, ignore_errors=True)
    cmd = [
        "mvn",
        "-q",
        "-B",
        "-f",
        str(home / "pom.xml"),
        "dependency:copy-dependencies",
        f"-DoutputDirectory={libs}",
        "-DincludeScope=runtime",
    ]
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        tail = (result.stdout + result.stderr)[-2000:]
        raise BrokerError(f"mvn could not resolve Kafka {settings.broker.kafka_version}: {tail}")
    done.write_text(settings.broker.kafka_version)
    return libs


@dataclass
class LocalBroker:
    """One KRaft broker process; ``start()`` is a no-op when the bootstrap already answers."""

    settings: Settings
    process: subprocess.Popen[bytes] | None = None
    started_in: float | None = None
    _log_file: Path | None = field(default=None, repr=False)

    @property
    def data_dir(self) -> Path:
        port = local_port(self.settings)
        return self.settings.broker.data_dir or self.settings.broker.cache_dir / f"broker-{port}"

    @property
    def log_file(self) -> Path:
        return self.data_dir / "broker.log"

    def start(self) -> bool:
        """Start and wait for metadata; return False when an existing broker answered."""
        if metadata_answers(self.settings, timeout=2.0):
            log.info("Kafka at %s already answers; nothing started", self.settings.kafka.bootstrap)
            return False
        t0 = time.perf_counter()
        libs = ensure_jars(self.settings)
        config = self._write_config()
        self._format(libs, config)
        self.process = self._launch(libs, config)
        self._wait_ready()
        self.started_in = time.perf_counter() - t0
        return True

    def __enter__(self) -> LocalBroker:
        """``start()``; the ``with`` block's end stops only a broker this one started."""
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop the process ``start()`` launched (nothing when an existing broker answered)."""
        proc, self.process = self.process, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def _write_config(self) -> Path:
        port = local_port(self.settings)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        path = self.data_dir / "server.properties"
        if path.exists() and (self.data_dir / "kraft" / "meta.properties").exists():
            return path  # a restart on the same data: same ports, or the quorum breaks
        text = (_FILES / "server.properties").read_text()
        text = text.replace("@PORT@", str(port)).replace("@CONTROLLER_PORT@", str(free_port()))
        text = text.replace("@LOG_DIR@", str(self.data_dir / "kraft"))
        path = self.data_dir / "server.properties"
        path.write_text(text)
        log4j = (_FILES / "log4j2.yaml").read_text().replace("@LOG_FILE@", str(self.log_file))
        (self.data_dir / "log4j2.yaml").write_text(log4j)
        return path

    def _format(self, libs: Path, config: Path) -> None:
        if (self.data_dir / "kraft" / "meta.properties").exists():
            return
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
        cmd = [
            *self._java(libs),
            "kafka.tools.StorageTool",
            "format",
            f"--cluster-id={cluster_id}",  # may start with "-"
            "-c",
            str(config),
            "--standalone",
        ]
        result = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise BrokerError(f"kafka storage format failed: {result.stdout}{result.stderr}")

    def _java(self, libs: Path) -> list[str]:
        java = shutil.which("java", path=os.environ.get("JAVA_HOME", "") + "/bin") or "java"
        return [
            java,
            f"-Xmx{self.settings.broker.heap}",
            "-XX:+UseG1GC",
            f"-Dlog4j2.configurationFile={self.data_dir / 'log4j2.yaml'}",
            "-cp",
            f"{libs}/*",
        ]

    def _launch(self, libs: Path, config: Path) -> subprocess.Popen[bytes]:
        out = (self.data_dir / "broker.stdout").open("ab")
        cmd = [*self._java(libs), "kafka.Kafka", str(config)]
        return subprocess.Popen(
            cmd,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.settings.broker.start_timeout_seconds
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise BrokerError(
                    f"Kafka exited with {self.process.returncode}; see {self.log_file}"
                )
            if metadata_answers(self.settings, timeout=1.0):
                return
            time.sleep(0.2)
        self.stop()
        raise BrokerError(f"Kafka did not answer metadata in time; see {self.log_file}")
