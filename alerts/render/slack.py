"""Slack Block Kit message for a notification, within Slack's limits.

Per alert: a section (headline and values), a drill-down section (top contributors), a
context line with links (Grafana panel, silence form) and a divider. Limits enforced here:
at most 50 blocks (alerts beyond that are counted in a closing line), header text 150
characters, section and context text 3000. Text is Slack mrkdwn with ``&``, ``<`` and
``>`` escaped, so a key like ``<b>&co`` cannot break formatting or forge a link.
"""

from __future__ import annotations

from typing import Any

from alerts.model import AlertSnapshot
from alerts.notification import Notification
from alerts.render.i18n import t
from alerts.render.links import RenderOptions, grafana_link, silence_link
from alerts.render.text import details, drilldown_rows, headline, series, title

__all__ = ["BLOCK_LIMIT", "HEADER_LIMIT", "TEXT_LIMIT", "escape", "slack_message", "truncate"]

BLOCK_LIMIT = 50
HEADER_LIMIT = 150
TEXT_LIMIT = 3000
DRILLDOWN_ROWS = 10
_EMOJI = {
    "critical": ":red_circle:",
    "warning": ":large_orange_circle:",
    "info": ":large_blue_circle:",
    "resolved": ":white_check_mark:",
}


def escape(text: str) -> str:
    """Slack's three control characters as entities."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def truncate(text: str, limit: int) -> str:
    """At most ``limit`` characters, ending in ``…`` when cut, never inside an entity."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    amp = cut.rfind("&", max(0, len(cut) - 5))
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut + "…"


def _mrkdwn(text: str) -> dict[str, str]:
    return {"type": "mrkdwn", "text": truncate(text, TEXT_LIMIT)}


def _link(url: str | None, label: str) -> str | None:
    return f"<{escape(url)}|{escape(label)}>" if url else None


def _summary(alert: AlertSnapshot, options: RenderOptions) -> dict[str, Any]:
    lang = options.language
    record = alert.record
    emoji = _EMOJI["resolved" if alert.status == "resolved" else record.severity]
    head = f"{emoji} *{escape(record.kpi)} {escape(t(lang, record.direction))}* — "
    lines = [head + escape(series(alert))]
    lines += [f"*{escape(label)}:* {escape(text)}" for label, text in details(alert, lang)]
    return {"type": "section", "text": _mrkdwn("\n".join(lines))}


def _drilldown(alert: AlertSnapshot, options: RenderOptions) -> dict[str, Any] | None:
    rows = drilldown_rows(alert, options.language)
    if not rows:
        return None
    text = f"*{escape(t(options.language, 'top_contributors'))}*"
    for index, row in enumerate(rows[:DRILLDOWN_ROWS]):
        line = "\n• " + escape(row)
        more = "\n" + escape(t(options.language, "more_rows", n=len(rows) - index))
        if len(text) + len(line) + len(more) > TEXT_LIMIT:
            return {"type": "section", "text": _mrkdwn(text + more)}
        text += line
    if len(rows) > DRILLDOWN_ROWS:
        text += "\n" + escape(t(options.language, "more_rows", n=len(rows) - DRILLDOWN_ROWS))
    return {"type": "section", "text": _mrkdwn(text)}


def _links(alert: AlertSnapshot, options: RenderOptions) -> dict[str, Any] | None:
    lang = options.language
    links = [
        _link(grafana_link(options, alert), t(lang, "open_grafana")),
        _link(silence_link(options, alert.labels), t(lang, "silence")),
    ]
    text = " · ".join(link for link in links if link)
    return {"type": "context", "elements": [_mrkdwn(text)]} if text else None


def _alert_blocks(alert: AlertSnapshot, options: RenderOptions) -> list[dict[str, Any]]:
    parts = [_summary(alert, options), _drilldown(alert, options), _links(alert, options)]
    return [block for block in parts if block is not None] + [{"type": "divider"}]


def slack_message(notification: Notification, options: RenderOptions) -> dict[str, Any]:
    """The JSON body for an incoming webhook: ``text`` fallback plus ``blocks``."""
    lang = options.language
    heading = title(notification, lang)
    reason = t(lang, f"reason_{notification.reason.value}")
    footer = t(lang, "footer", subscription=notification.subscription_id)
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": truncate(heading, HEADER_LIMIT)}},
        {"type": "context", "elements": [_mrkdwn(escape(f"{reason} · {footer}"))]},
    ]
    shown = 0
    for alert in notification.alerts:
        more = _alert_blocks(alert, options)
        if len(blocks) + len(more) > BLOCK_LIMIT - 1:
            break
        blocks.extend(more)
        shown += 1
    if shown < len(notification.alerts):
        hidden = t(lang, "more_alerts", n=len(notification.alerts) - shown)
        blocks.append({"type": "context", "elements": [_mrkdwn(escape(hidden))]})
    fallback = "\n".join(headline(a, lang) for a in notification.alerts[:20])
    return {"text": truncate(escape(fallback), TEXT_LIMIT), "blocks": blocks}
