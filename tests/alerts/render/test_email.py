"""E-mail: a subject to triage from, multipart bodies, HTML escaping."""

from __future__ import annotations

from decimal import Decimal

from alerts.notification import NotifyReason
from alerts.render.email import build_email, email_bodies, email_subject
from alerts.render.links import RenderOptions
from detectors.record import Contribution
from tests.alerts.factories import notification, record

OPTIONS = RenderOptions(
    grafana_url="https://grafana.example/d/kpis", silence_url="https://am/#/new"
)


def test_subject_reads_like_a_page() -> None:
    rec = record(severity="critical", labels={"team": "t-2"})
    subject = email_subject(notification(rec), OPTIONS)
    assert subject == "[CRITICAL] win_rate drop — rep r-07 (team t-2): 5% vs 31% expected"


def test_russian_subject() -> None:
    rec = record(severity="critical", labels={"team": "t-2"})
    subject = email_subject(notification(rec), RenderOptions(language="ru"))
    assert subject == "[КРИТИЧНО] win_rate падение — rep r-07 (team t-2): 5 % при ожидаемых 31 %"


def test_subject_is_one_bounded_line() -> None:
    rec = record(key="r\n" + "x" * 500)
    subject = email_subject(notification(rec), OPTIONS)
    assert "\n" not in subject and len(subject) <= 200


def test_message_is_multipart_with_the_same_facts() -> None:
    rec = record(
        money=Decimal("-900.5"),
        drilldown=(
            Contribution(
                dimension="deal", key="d-1", observed=0, expected=0.3, delta=-0.3, share=0.6
            ),
        ),
    )
    message = build_email(notification(rec), OPTIONS, "alerts@example.com", ["a@example.com"])
    assert message.is_multipart()
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    plain = message.get_body(("plain",)).get_content()
    page = message.get_body(("html",)).get_content()
    for text in ("Observed: 5%", "Money impact: -BYN 900.50", "deal d-1: 0% vs 30% expected"):
        assert text in plain
    assert "-BYN 900.50" in page and "https://grafana.example/d/kpis?var-kpi=win_rate" in plain
    assert message["Message-ID"].startswith("<") and message["To"] == "a@example.com"


def test_html_is_escaped() -> None:
    rec = record(key="<script>alert(1)</script>", labels={"team": 'a"&b'})
    plain, page = email_bodies(notification(rec), OPTIONS)
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "a&quot;&amp;b" in page
    assert "<script>" in plain  # plain text is shown as text


def test_resolved_group_subject() -> None:
    sent = notification(
        record(key="r-07", status="resolved"),
        record(key="r-08", status="resolved"),
        reason=NotifyReason.RESOLVED,
    )
    assert email_subject(sent, OPTIONS).startswith("[RESOLVED] 2 alerts · team t-2 · win_rate drop")
