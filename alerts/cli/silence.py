"""``salespulse silence add|list|expire``: mute alerts by label matchers for a while."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import click
from rich.table import Table

from alerts.cli.client import api_options, call, console, duration_option, os_user

__all__ = ["silence"]


@click.group()
def silence() -> None:
    """Mute alerts by label matchers for a while."""


@silence.command("add")
@click.option(
    "--matcher",
    "-m",
    "matchers",
    multiple=True,
    required=True,
    help="name=value, name!=value, name=~regex or name!~regex; repeatable.",
)
@click.option(
    "--duration",
    default="2h",
    show_default=True,
    callback=duration_option,
    help="How long, e.g. 30m, 2h, 1d.",
)
@click.option("--comment", required=True, help="Why (shown to everyone).")
@click.option("--author", default=os_user, help="Who; default the OS user.")
@api_options
def silence_add(
    matchers: tuple[str, ...],
    duration: float,
    comment: str,
    author: str,
    url: str,
    token: str | None,
) -> None:
    """Create a silence starting now."""
    now = datetime.now(UTC)
    body = {
        "matchers": list(matchers),
        "starts_at": now.isoformat(),
        "ends_at": (now + timedelta(seconds=duration)).isoformat(),
        "created_by": author,
        "comment": comment,
    }
    made = call(url, token, "POST", "/api/silences", body=body)["silence"]
    console.print(f"silence [bold]{made['id']}[/bold] active until {made['ends_at']}")


@silence.command("list")
@click.option("--state", type=click.Choice(["pending", "active", "expired"]), default=None)
@api_options
def silence_list(state: str | None, url: str, token: str | None) -> None:
    """List silences, newest first."""
    params = {"state": state} if state else None
    found = call(url, token, "GET", "/api/silences", params=params)["silences"]
    table = Table("id", "state", "matchers", "ends at", "by", "comment")
    for item in found:
        matchers = ", ".join(item["matchers"])
        table.add_row(
            item["id"],
            item["state"],
            matchers,
            item["ends_at"],
            item["created_by"],
            item["comment"],
        )
    console.print(table)


@silence.command("expire")
@click.argument("silence_id")
@api_options
def silence_expire(silence_id: str, url: str, token: str | None) -> None:
    """End a silence now."""
    call(url, token, "DELETE", f"/api/silences/{silence_id}")
    console.print(f"silence [bold]{silence_id}[/bold] expired")
