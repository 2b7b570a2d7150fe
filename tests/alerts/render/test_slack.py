"""Slack Block Kit: content, escaping, and Slack's limits with huge inputs."""

from __future__ import annotations

import json
from decimal import Decimal

from alerts.notification import NotifyReason
from alerts.render.links import RenderOptions
from alerts.render.slack import (
    BLOCK_LIMIT,
    HEADER_LIMIT,
    TEXT_LIMIT,
    escape,
    slack_message,
    truncate,
)
from detectors.record import Contribution
from tests.alerts.factories import notification, record

OPTIONS = RenderOptions(
    grafana_url="https://grafana.example/d/kpis?orgId=1",
    silence_url="https://am.example/#/silences/new",
)


def texts(message: dict) -> list[str]:
    out = []
    for block in message["blocks"]:
        if "text" in block:
            out.append(block["text"]["text"])
        out += [e["text"] for e in block.get("elements", [])]
    return out


def mrkdwn(message: dict) -> str:
    parts = [b["text"] for b in message["blocks"] if b.get("text", {}).get("type") == "mrkdwn"]
    parts += [e for b in message["blocks"] for e in b.get("elements", [])]
    return "\n".join(p["text"] for p in parts)


def assert_within_limits(message: dict) -> None:
    blocks = message["blocks"]
    assert len(blocks) <= BLOCK_LIMIT
    assert blocks[0]["type"] == "header"
    assert len(blocks[0]["text"]["text"]) <= HEADER_LIMIT
    assert all(len(text) <= TEXT_LIMIT for text in texts(message))
    assert len(message["text"]) <= TEXT_LIMIT
    json.dumps(message)


def test_one_alert_reads_well() -> None:
    rec = record(
        money=Decimal("-1234567.89"),
        drilldown=(
            Contribution(
                dimension="deal", key="d-1", observed=0.0, expected=0.3, delta=-0.3, share=0.8
            ),
        ),
    )
    message = slack_message(notification(rec), OPTIONS)
    assert_within_limits(message)
    header = message["blocks"][0]["text"]["text"]
    assert (
        header == "[WARNING] win_rate drop — rep r-07 (region west, team t-2): 5% vs 31% expected"
    )
    body = "\n".join(texts(message))
    assert "*Observed:* 5%" in body and "*Expected:* 31%" in body
    assert "*Normal band:* 24.8% – 37.2%" in body
    assert "*Money impact:* -BYN 1,234,567.89" in body
    assert "deal d-1: 0% vs 30% expected (share 80%)" in body
    assert "<https://grafana.example/d/kpis?orgId=1&amp;var-kpi=win_rate" in body
    assert "|Open in Grafana>" in body and "|Silence>" in body
    assert message["text"].startswith("[WARNING] win_rate drop")


def test_russian_message_formats_money_the_russian_way() -> None:
    rec = record(
        kpi="revenue",
        unit="money",
        observed=1000.0,
        expected=1234567.89,
        money=Decimal("-1233567.89"),
    )
    message = slack_message(notification(rec), RenderOptions(language="ru"))
    body = "\n".join(texts(message))
    assert "*Влияние в деньгах:* -1 233 567,89 BYN" in body
    assert "1 234 567,89 BYN" in message["blocks"][0]["text"]["text"]
    assert "падение" in message["blocks"][0]["text"]["text"]
    assert "Новый алерт" in body


def test_mrkdwn_control_characters_are_escaped() -> None:
    rec = record(key="<!channel> & <http://evil|click>", labels={"team": "a&b"})
    message = slack_message(notification(rec), OPTIONS)
    body = mrkdwn(message)  # the header is plain_text: Slack does not parse it
    assert "&lt;!channel&gt; &amp; &lt;http://evil|click&gt;" in body
    assert "<!channel>" not in body and "<http://evil" not in body
    assert "a&amp;b" in body
    assert "<!channel>" not in message["text"]


def test_huge_drilldown_and_many_alerts_stay_within_limits() -> None:
    children = tuple(
        Contribution(
            dimension="deal",
            key=f"d-{i:05d}-" + "&" * 300,
            observed=float(i),
            expected=float(i + 1),
            delta=-1.0,
            share=1 / (i + 1),
        )
        for i in range(2000)
    )
    records = [
        record(key=f"r-{i:03d}-" + "x" * 400, drilldown=children, labels={"team": "t" * 500})
        for i in range(40)
    ]
    message = slack_message(notification(*records), OPTIONS)
    assert_within_limits(message)
    last = message["blocks"][-1]
    assert last["type"] == "context" and "more alerts not shown" in last["elements"][0]["text"]
    assert "…and" in "\n".join(texts(message))


def test_reasons_are_named() -> None:
    sent = slack_message(
        notification(record(status="resolved"), reason=NotifyReason.RESOLVED), OPTIONS
    )
    assert sent["blocks"][0]["text"]["text"].startswith("[RESOLVED]")
    assert "Resolved" in sent["blocks"][1]["elements"][0]["text"]
    assert ":white_check_mark:" in sent["blocks"][2]["text"]["text"]


def test_truncate_never_splits_an_entity() -> None:
    text = escape("a" * 10 + "&&&&")
    cut = truncate(text, 14)
    assert cut.endswith("…") and len(cut) <= 14 and not cut[:-1].endswith("&am")
    assert truncate("short", 10) == "short"


def test_group_title_counts_alerts() -> None:
    message = slack_message(notification(record(key="r-07"), record(key="r-08")), OPTIONS)
    header = message["blocks"][0]["text"]["text"]
    assert header.startswith("[WARNING] 2 alerts · team t-2 · win_rate drop")
    assert header.endswith("+1")
