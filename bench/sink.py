"""A local Slack-webhook stand-in that notes when each message arrived (wall clock)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Sink:
    received: list[tuple[float, Any]] = field(default_factory=list)  # (time.time(), body)
    lock: threading.Lock = field(default_factory=threading.Lock)
    port: int = 0

    @property
    def webhook_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/services/bench/hook"

    def messages(self) -> list[tuple[float, Any]]:
        with self.lock:
            return list(self.received)

    def first_mentioning(self, text: str, after: float) -> float | None:
        """Arrival time of the first message received after ``after`` that names ``text``."""
        for arrived, body in self.messages():
            if arrived >= after and text in json.dumps(body):
                return arrived
        return None


@contextmanager
def http_sink() -> Iterator[Sink]:
    """Answers every POST with 200 from a thread; stopped on exit."""
    sink = Sink()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            arrived = time.time()
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with sink.lock:
                sink.received.append((arrived, json.loads(raw) if raw else None))
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    sink.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield sink
    finally:
        server.shutdown()
        server.server_close()
