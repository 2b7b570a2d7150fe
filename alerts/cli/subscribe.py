"""``salespulse subscribe add|list|remove``: who is told about which alerts, and how."""

from __future__ import annotations

from typing import Any

import click
from rich.table import Table

from alerts.cli.client import api_options, call, console, os_user

__all__ = ["subscribe"]


@click.group()
def subscribe() -> None:
    """Manage who is notified about which alerts."""


def _channel(
    slack: str | None, emails: tuple[str, ...], webhook: str | None, alertmanager: str | None
) -> dict[str, Any]:
    chosen = [c for c in (slack, webhook, alertmanager) if c] + ([emails] if emails else [])
    if len(chosen) != 1:
        raise click.UsageError(
            "give exactly one of --slack-webhook, --email, --webhook, --alertmanager"
        )
    if slack:
        return {"type": "slack", "webhook_url": slack}
    if webhook:
        return {"type": "webhook", "url": webhook}
    if alertmanager:
        return {"type": "alertmanager", "url": alertmanager}
    return {"type": "email", "to": list(emails)}


def _quiet(text: str | None, zone: str) -> dict[str, str] | None:
    if not text:
        return None
    start, sep, end = text.partition("-")
    if not sep:
        raise click.BadParameter("use HH:MM-HH:MM, e.g. 22:00-07:00", param_hint="--quiet-hours")
    return {"start": start.strip(), "end": end.strip(), "timezone": zone}


@subscribe.command("add")
@click.option("--name", required=True, help="Human name of the subscription.")
@click.option("--owner", default=os_user, help="Who owns it; default the OS user.")
@click.option("--slack-webhook", default=None, help="Slack incoming-webhook URL (secret).")
@click.option("--email", "emails", multiple=True, help="Recipient; repeatable.")
@click.option("--webhook", default=None, help="Alertmanager-style webhook receiver URL.")
@click.option("--alertmanager", default=None, help="Base URL of an Alertmanager.")
@click.option("--matcher", "-m", "matchers", multiple=True, help="Label matcher; repeatable.")
@click.option(
    "--min-severity",
    type=click.Choice(["info", "warning", "critical"]),
    default="warning",
    show_default=True,
)
@click.option("--group-by", multiple=True, help="Label to group by; repeatable.")
@click.option("--group-wait", default=None, help="e.g. 30s.")
@click.option("--group-interval", default=None, help="e.g. 5m.")
@click.option("--repeat-interval", default=None, help="e.g. 4h.")
@click.option("--renotify-change", type=float, default=None, help="e.g. 0.1 (0: plain repeats).")
@click.option("--quiet-hours", default=None, help="HH:MM-HH:MM, held until the end.")
@click.option("--timezone", default="UTC", show_default=True, help="Zone of --quiet-hours.")
@click.option("--language", type=click.Choice(["en", "ru"]), default="en", show_default=True)
@api_options
def subscribe_add(**opts: Any) -> None:
    """Create a subscription; prints its id."""
    body: dict[str, Any] = {
        "name": opts["name"],
        "owner": opts["owner"],
        "channel": _channel(
            opts["slack_webhook"], opts["emails"], opts["webhook"], opts["alertmanager"]
        ),
        "matchers": list(opts["matchers"]),
        "min_severity": opts["min_severity"],
        "language": opts["language"],
        "quiet_hours": _quiet(opts["quiet_hours"], opts["timezone"]),
    }
    if opts["group_by"]:
        body["group_by"] = list(opts["group_by"])
    for name in ("group_wait", "group_interval", "repeat_interval", "renotify_change"):
        if opts[name] is not None:
            body[name] = opts[name]
    made = call(opts["url"], opts["token"], "POST", "/api/subscriptions", body=body)
    console.print(f"subscription [bold]{made['subscription']['id']}[/bold] created")


@subscribe.command("list")
@api_options
def subscribe_list(url: str, token: str | None) -> None:
    """List subscriptions (URLs shown as scheme and host only)."""
    found = call(url, token, "GET", "/api/subscriptions")["subscriptions"]
    table = Table("id", "name", "owner", "channel", "matchers", "min severity", "group by")
    for sub in found:
        channel = sub["channel"]
        where = ", ".join(channel.get("to", [])) or channel.get("webhook_url") or channel.get("url")
        matchers = ", ".join(f"{m['name']}{m['op']}{m['value']}" for m in sub["matchers"])
        table.add_row(
            sub["id"],
            sub["name"],
            sub["owner"],
            f"{channel['type']}: {where}",
            matchers or "(all)",
            sub["min_severity"],
            ", ".join(sub["group_by"]),
        )
    console.print(table)


@subscribe.command("remove")
@click.argument("subscription_id")
@api_options
def subscribe_remove(subscription_id: str, url: str, token: str | None) -> None:
    """Delete a subscription."""
    call(url, token, "DELETE", f"/api/subscriptions/{subscription_id}")
    console.print(f"subscription [bold]{subscription_id}[/bold] removed")
