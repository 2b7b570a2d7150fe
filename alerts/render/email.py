"""E-mail for a notification: a subject to triage from, plain text and escaped HTML.

The subject is the notification's title (one alert: its headline, e.g.
``[CRITICAL] win_rate drop — rep r-07 (team t-2): 5% vs 31% expected``); the body has a
block per alert with its values, top contributors and links. The ``Message-ID`` derives
from the notification id, so a resend after a restart threads as the same message.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from email import policy
from email.header import Header
from email.message import EmailMessage
from email.utils import format_datetime

from alerts.model import AlertSnapshot
from alerts.notification import Notification
from alerts.render.i18n import t
from alerts.render.links import RenderOptions, grafana_link, silence_link
from alerts.render.text import details, drilldown_rows, headline, title

__all__ = ["build_email", "email_bodies", "email_subject"]

SUBJECT_LIMIT = 200
_POLICY = policy.SMTP.clone(max_line_length=998)  # ids stay on one line (RFC 5322 limit)
DRILLDOWN_ROWS = 10


def email_subject(notification: Notification, options: RenderOptions) -> str:
    subject = " ".join(title(notification, options.language).split())
    return subject if len(subject) <= SUBJECT_LIMIT else subject[: SUBJECT_LIMIT - 1] + "…"


def _links(alert: AlertSnapshot, options: RenderOptions) -> list[tuple[str, str]]:
    lang = options.language
    found = [
        (t(lang, "open_grafana"), grafana_link(options, alert)),
        (t(lang, "silence"), silence_link(options, alert.labels)),
    ]
    return [(label, url) for label, url in found if url]


def _plain_alert(alert: AlertSnapshot, options: RenderOptions) -> list[str]:
    lang = options.language
    lines = [headline(alert, lang), ""]
    lines += [f"  {label}: {text}" for label, text in details(alert, lang)]
    rows = drilldown_rows(alert, lang)
    if rows:
        lines += ["", f"  {t(lang, 'top_contributors')}:"]
        lines += [f"    - {row}" for row in rows[:DRILLDOWN_ROWS]]
        if len(rows) > DRILLDOWN_ROWS:
            lines.append("    " + t(lang, "more_rows", n=len(rows) - DRILLDOWN_ROWS))
    lines += [f"  {label}: {url}" for label, url in _links(alert, options)]
    return lines + [""]


def _html_alert(alert: AlertSnapshot, options: RenderOptions) -> str:
    lang = options.language
    esc = html.escape
    cells = "".join(
        f"<tr><th align='left'>{esc(label)}</th><td>{esc(text)}</td></tr>"
        for label, text in details(alert, lang)
    )
    parts = [f"<h3>{esc(headline(alert, lang))}</h3>", f"<table>{cells}</table>"]
    rows = drilldown_rows(alert, lang)
    if rows:
        items = "".join(f"<li>{esc(row)}</li>" for row in rows[:DRILLDOWN_ROWS])
        if len(rows) > DRILLDOWN_ROWS:
            items += f"<li>{esc(t(lang, 'more_rows', n=len(rows) - DRILLDOWN_ROWS))}</li>"
        parts.append(f"<p><b>{esc(t(lang, 'top_contributors'))}</b></p><ul>{items}</ul>")
    links = " · ".join(
        f'<a href="{esc(url, quote=True)}">{esc(label)}</a>'
        for label, url in _links(alert, options)
    )
    if links:
        parts.append(f"<p>{links}</p>")
    return "\n".join(parts)


def email_bodies(notification: Notification, options: RenderOptions) -> tuple[str, str]:
    """``(plain, html)`` bodies with the same content."""
    lang = options.language
    reason = t(lang, f"reason_{notification.reason.value}")
    footer = t(lang, "footer", subscription=notification.subscription_id)
    plain = [f"{reason}", ""]
    for alert in notification.alerts:
        plain += _plain_alert(alert, options)
    plain.append(f"-- \n{footer}")
    body = "\n<hr>\n".join(_html_alert(alert, options) for alert in notification.alerts)
    page = (
        f'<!doctype html><html lang="{lang}"><body><p>{html.escape(reason)}</p>\n{body}\n'
        f"<hr><p><small>{html.escape(footer)}</small></p></body></html>"
    )
    return "\n".join(plain), page


def _encoded(subject: str) -> str:
    """RFC 2047 words cut by ``email.header``: the default policy's folder drops the space
    between two encoded words (``падение —`` arrives as ``падение—``), so it is bypassed."""
    return (
        subject if subject.isascii() else Header(subject, "utf-8", header_name="Subject").encode()
    )


def build_email(
    notification: Notification, options: RenderOptions, sender: str, to: Sequence[str]
) -> EmailMessage:
    """A ``multipart/alternative`` message ready for SMTP."""
    message = EmailMessage(policy=_POLICY)
    message.set_raw("Subject", _encoded(email_subject(notification, options)))
    message["From"] = sender
    message["To"] = ", ".join(to)
    message["Date"] = format_datetime(notification.created_at)
    message["Message-ID"] = f"<{notification.notification_id}@salespulse>"
    message["X-SalesPulse-Notification"] = notification.notification_id
    plain, page = email_bodies(notification, options)
    message.set_content(plain)
    message.add_alternative(page, subtype="html")
    return message
