"""The CLI's side of the alerting API: an httpx client and shared click options.

Requests go to a running worker (``--url``, default http://127.0.0.1:6066) with the bearer
token from ``--token`` or ``SALESPULSE_ALERTS__API_TOKEN``; a refusal becomes a ``ClickException``
carrying the server's own message, so the command exits non-zero with it.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable
from typing import Any, TypeVar

import click
import httpx
from rich.console import Console

from alerts.exceptions import ApiClientError
from alerts.timeutil import parse_duration

__all__ = [
    "DEFAULT_URL",
    "ApiClient",
    "api_options",
    "call",
    "console",
    "duration_option",
    "os_user",
]

DEFAULT_URL = "http://127.0.0.1:6066"
F = TypeVar("F", bound=Callable[..., Any])
console = Console()


class ApiClient:
    """A thin httpx client that raises ``ApiClientError`` with the server's message."""

    def __init__(self, url: str, token: str | None, timeout: float = 10.0) -> None:
        self.url = url.rstrip("/")
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.timeout = timeout

    def request(
        self, method: str, path: str, body: Any = None, params: dict[str, str] | None = None
    ) -> dict[str, Any]:
        try:
            response = httpx.request(
                method,
                self.url + path,
                json=body,
                params=params,
                headers=self.headers,
                timeout=self.timeout,
            )
        except httpx.HTTPError as exc:
            raise ApiClientError(0, f"cannot reach {self.url}: {type(exc).__name__}") from None
        try:
            data = response.json()
        except ValueError:
            data = {"error": "bad_response", "detail": response.text[:200]}
        if response.is_success and isinstance(data, dict):
            return data
        raise ApiClientError(response.status_code, _message(response.status_code, data))


def _message(status: int, data: Any) -> str:
    if not isinstance(data, dict):
        return f"HTTP {status}"
    detail = data.get("detail")
    if isinstance(detail, list):
        detail = "; ".join(f"{d.get('loc')}: {d.get('msg')}" for d in detail if isinstance(d, dict))
    return f"HTTP {status} {data.get('error', 'error')}: {detail}"


def api_options(command: F) -> F:
    command = click.option("--url", default=DEFAULT_URL, show_default=True, help="Worker URL.")(
        command
    )
    return click.option(
        "--token", envvar="SALESPULSE_ALERTS__API_TOKEN", default=None, help="API bearer token."
    )(command)


def call(url: str, token: str | None, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
    try:
        return ApiClient(url, token).request(method, path, **kwargs)
    except ApiClientError as exc:
        raise click.ClickException(str(exc)) from None


def duration_option(_: click.Context, __: click.Parameter, value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def os_user() -> str:
    """The OS user name, for ``--author``/``--owner`` defaults ("unknown" if there is none)."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"
