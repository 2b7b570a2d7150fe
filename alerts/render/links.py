"""Links in a notification: a Grafana panel for the series, and a form to silence it.

Base URLs come from settings (``grafana_url`` a panel or dashboard URL, ``silence_url``
e.g. ``http://alertmanager:9093/#/silences/new``); query parameters are appended here.

>>> opts = RenderOptions(grafana_url="https://g.example/d/kpi", silence_url="https://am/#/silences/new")
>>> silence_link(opts, {"kpi": "win_rate", "key": "r-07"})
'https://am/#/silences/new?filter=%7Bkey%3D%22r-07%22%2Ckpi%3D%22win_rate%22%7D'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

from alerts.grouping import group_key
from alerts.model import AlertSnapshot
from alerts.render.i18n import Language

__all__ = ["RenderOptions", "grafana_link", "silence_link"]

SILENCE_LABELS = ("kpi", "dimension", "key", "window", "direction")


@dataclass(frozen=True)
class RenderOptions:
    """How to render for one receiver: language, link bases, and names for the payloads."""

    language: Language = "en"
    grafana_url: str | None = None
    silence_url: str | None = None
    external_url: str = ""
    receiver: str = "salespulse"


def _join(base: str, params: Mapping[str, str]) -> str:
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}{urlencode(params)}"


def grafana_link(options: RenderOptions, alert: AlertSnapshot) -> str | None:
    """The panel with ``var-kpi/dimension/key`` set and a range around the incident."""
    if not options.grafana_url:
        return None
    record = alert.record
    start = record.first_seen - timedelta(days=14)
    end = (alert.ends_at or record.last_seen) + timedelta(days=2)
    params = {
        "var-kpi": record.kpi,
        "var-dimension": record.dimension,
        "var-key": record.key,
        "var-window": record.window,
        "from": str(int(start.timestamp() * 1000)),
        "to": str(int(end.timestamp() * 1000)),
    }
    return _join(options.grafana_url, params)


def silence_link(options: RenderOptions, labels: Mapping[str, str]) -> str | None:
    """A new-silence form pre-filled (Alertmanager's ``filter``) with the series' labels."""
    if not options.silence_url:
        return None
    chosen = {k: labels[k] for k in SILENCE_LABELS if k in labels}
    return _join(options.silence_url, {"filter": group_key(chosen)})
