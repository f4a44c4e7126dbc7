"""An alert message: agency, asset, what changed, since when, severity and the acknowledgement
link, in Vietnamese by default and in English."""

from __future__ import annotations

from datetime import UTC, datetime

from canhgac.watch.messages import AlertNotice, render

NOTICE = AlertNotice(
    alert_id=17,
    event="alert.opened",
    problem="defaced",
    severity="critical",
    values={"target": "https://portal.so-a.gov.test/", "match": "hacked by"},
    agencies=["SO-A"],
    targets=["https://portal.so-a.gov.test/"],
    since=datetime(2027, 2, 6, 1, 30, tzinfo=UTC),
    at=datetime(2027, 2, 6, 1, 30, tzinfo=UTC),
    link="https://canhgac.stttt.test/alerts/ack/TOKEN/",
    link_expires=datetime(2027, 2, 7, 1, 30, tzinfo=UTC),
)


def test_vietnamese_by_default_with_everything_the_person_on_duty_needs() -> None:
    message = render(NOTICE)
    assert message.subject.startswith("[canhgac] Cảnh báo #17 · Nghiêm trọng · SO-A:")
    text = message.text
    for expected in ("Cơ quan: SO-A", "Tài sản: https://portal.so-a.gov.test/", "hacked by",
                     "08:30:00 06/02/2027", "https://canhgac.stttt.test/alerts/ack/TOKEN/",
                     "canhgac alerts ack 17"):
        assert expected in text, expected


def test_english_on_request() -> None:
    text = render(NOTICE, "en").text
    assert "Agency: SO-A" in text and "What changed:" in text and "works once" in text


def test_a_recovery_has_no_link_and_says_when() -> None:
    from dataclasses import replace

    text = render(replace(NOTICE, event="alert.recovered", link="",
                          at=datetime(2027, 2, 6, 2, 0, tzinfo=UTC)), "en").text
    assert "Recovered at:" in text and "alerts ack" not in text and "/alerts/ack/" not in text
