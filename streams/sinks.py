"""Local stand-ins for the receivers of notifications: an HTTP server (Slack incoming
webhook, generic webhook) and an SMTP server, each in a thread of its own, recording what
they get. The demo shows what they receive; tests assert on it."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Sink:
    statuses: list[int] = field(default_factory=list)
    received: list[tuple[str, int, Any]] = field(default_factory=list)  # path, status, body
    arrivals: list[float] = field(default_factory=list)  # time.time() of each, same order
    keys: list[str | None] = field(default_factory=list)  # Idempotency-Key of each, same order
    lock: threading.Lock = field(default_factory=threading.Lock)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def webhook_url(self) -> str:
        """A Slack-shaped incoming-webhook URL on this receiver."""
        return f"{self.url}/services/local/hook"

    def messages(self) -> list[tuple[float, Any]]:
        """(arrival time, body) of every accepted message."""
        with self.lock:
            pairs = zip(self.arrivals, self.received, strict=True)
            return [(at, body) for at, (_, status, body) in pairs if status == 200]

    def first_mentioning(self, text: str, after: float) -> float | None:
        """Arrival time of the first accepted message after ``after`` that names ``text``."""
        for arrived, body in self.messages():
            if arrived >= after and text in json.dumps(body):
                return arrived
        return None

    def delivered(self, path: str = "") -> list[Any]:
        """Bodies answered with 200 (what the receiver accepted)."""
        with self.lock:
            return [b for p, s, b in self.received if s == 200 and p.startswith(path)]

    def delivered_keys(self) -> list[str | None]:
        """The ``Idempotency-Key`` of every accepted message: one per notification, so a
        key seen twice is a notification delivered twice (equal bodies need not be)."""
        with self.lock:
            pairs = zip(self.keys, self.received, strict=True)
            return [key for key, (_, status, _) in pairs if status == 200]

    def wait(self, count: int, timeout: float = 60, path: str = "") -> list[Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.delivered(path)
            if len(found) >= count:
                return found
            time.sleep(0.2)
        raise TimeoutError(f"{len(self.delivered(path))} of {count} deliveries; {self.received}")


@contextmanager
def http_sink(statuses: list[int] | None = None, answer_after: float = 0.0) -> Iterator[Sink]:
    """``statuses`` answer the first requests in turn (then 200); each request is recorded
    on arrival and answered ``answer_after`` seconds later (a slow receiver)."""
    sink = Sink(statuses=list(statuses or []))

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            arrived = time.time()
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            with sink.lock:
                status = sink.statuses.pop(0) if sink.statuses else 200
                sink.received.append((self.path, status, json.loads(raw) if raw else None))
                sink.arrivals.append(arrived)
                sink.keys.append(self.headers.get("Idempotency-Key"))
            if answer_after:
                time.sleep(answer_after)
            self.send_response(status)
            self.end_headers()
            self.wfile.write(b"ok" if status == 200 else b"error")

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


@dataclass
class MailSink:
    messages: list[EmailMessage] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)
    port: int = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.recipients.append(list(envelope.rcpt_tos))
        parsed = message_from_bytes(envelope.original_content, policy=policy.default)
        self.messages.append(parsed)  # type: ignore[arg-type]
        return "250 Message accepted"

    def wait(self, count: int, timeout: float = 60) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.2)
        if len(self.messages) < count:
            raise TimeoutError(f"{len(self.messages)} of {count} emails")
        return list(self.messages)


@contextmanager
def mail_sink() -> Iterator[MailSink]:
    """A real SMTP server (aiosmtpd) on a free local port."""
    sink = MailSink()
    with socket.socket() as probe:  # aiosmtpd needs a concrete port to check it is up
        probe.bind(("127.0.0.1", 0))
        sink.port = probe.getsockname()[1]
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()
