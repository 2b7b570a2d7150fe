"""Is a Kafka broker answering metadata requests at the configured bootstrap?"""

from __future__ import annotations

import asyncio
import socket

from aiokafka.admin import AIOKafkaAdminClient

from salespulse.settings import Settings
from streams.kafka_client import client_kwargs


def _any_port_open(settings: Settings, timeout: float) -> bool:
    """A cheap TCP check first, so a dead address does not make aiokafka log errors."""
    for server in settings.kafka.bootstrap_servers:
        host, _, port = server.rpartition(":")
        try:
            with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout):
                return True
        except OSError:
            continue
    return False


async def _probe(settings: Settings, timeout: float) -> bool:
    ms = max(int(timeout * 1000), 500)
    admin = AIOKafkaAdminClient(**client_kwargs(settings.kafka), request_timeout_ms=ms)
    try:
        await asyncio.wait_for(admin.start(), timeout)
        await asyncio.wait_for(admin.list_topics(), timeout)
        return True
    except Exception:  # noqa: BLE001 - any failure means "not answering"
        return False
    finally:
        await admin.close()


def metadata_answers(settings: Settings, timeout: float = 2.0) -> bool:
    """Synchronous probe: True once a broker returns cluster metadata."""
    if not _any_port_open(settings, timeout):
        return False
    return asyncio.run(_probe(settings, timeout))
