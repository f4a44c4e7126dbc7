"""What ``demo --watch`` sets up around the lab: the allowances count on the watch's own rules,
the watched inventory is the control agency alone, the roster has one person per role on duty
now, the ``[watch]`` table reads back, and the mail sink takes mail only over STARTTLS after AUTH."""

from __future__ import annotations

import smtplib
import ssl
from datetime import UTC, datetime
from pathlib import Path

import pytest

from canhgac.inventory.loader import loads_inventory
from canhgac.lab.certificates import lab_ca
from canhgac.lab.mail_sink import MailSink
from canhgac.lab.watch_demo import (
    CHECKS_TO_ALERT,
    CHECKS_TO_RECOVER,
    PEOPLE,
    mailbox,
    roster_csv,
    watch_inventory,
    watch_settings,
)
from canhgac.services.watch_delivery import read_channels
from canhgac.watch.roster import on_duty, parse_roster
from canhgac.watch.rules import AlertPolicy


def test_the_allowances_count_the_checks_the_rules_need() -> None:
    assert AlertPolicy().failures_for("http", "defaced") == CHECKS_TO_ALERT
    assert AlertPolicy().successes_to_recover == CHECKS_TO_RECOVER


def test_the_watched_inventory_the_roster_and_the_settings(tmp_path: Path) -> None:
    inventory = loads_inventory(watch_inventory())
    assert [a.code for a in inventory.agencies] == ["STTTT"] and inventory.agencies[0].parent is None
    two = loads_inventory(watch_inventory(["SYT", "UBND"]))
    assert {a.code: a.parent for a in two.agencies} == {"UBND": None, "SYT": "UBND"}
    with pytest.raises(KeyError):
        watch_inventory(["NOPE"])
    now = datetime.now(UTC)
    shifts = parse_roster(roster_csv(now))
    held = on_duty(shifts, now)
    assert {role: [s.email for s in people] for role, people in held.items() if people} == {
        role: [address] for role, _person, address in PEOPLE}
    sink = MailSink()
    settings = tmp_path / "canhgac.toml"
    (tmp_path / "pw").write_text(sink.password, encoding="utf-8")
    settings.write_text(watch_settings(sink, tmp_path / "ca.pem", tmp_path / "pw", escalation_minutes=0.25),
                        encoding="utf-8")
    channels = read_channels(settings)
    assert channels is not None and channels.email is not None
    assert channels.escalation_minutes == 0.25 and channels.email.password == sink.password
    assert channels.email.port == sink.port and channels.recipients == ()


def test_the_mail_sink_takes_mail_over_starttls_after_auth_only(tmp_path: Path) -> None:
    context = ssl.create_default_context(cadata=lab_ca().ca_pem)
    with MailSink() as sink:
        with smtplib.SMTP(sink.address, sink.port, timeout=10) as smtp, pytest.raises(smtplib.SMTPException):
            smtp.sendmail("a@b.test", [mailbox("on-duty")], b"Subject: clear\r\n\r\nno TLS\r\n")
        with smtplib.SMTP(sink.address, sink.port, timeout=10) as smtp:
            smtp.starttls(context=context)  # the lab CA's certificate for 127.0.0.1
            with pytest.raises(smtplib.SMTPAuthenticationError):
                smtp.login(sink.user, "wrong")
        with smtplib.SMTP(sink.address, sink.port, timeout=10) as smtp:
            smtp.starttls(context=context)
            smtp.login(sink.user, sink.password)
            smtp.sendmail("canhgac@csirt.test", [mailbox("on-duty"), mailbox("backup")],
                          "Subject: Cảnh báo\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nxin chào\r\n"
                          .encode())
        got = sink.wait_for(lambda m: m.to == mailbox("backup"), 5)
        assert got is not None and got.subject == "Cảnh báo" and "xin chào" in got.text
        assert [m.to for m in sink.messages] == [mailbox("on-duty"), mailbox("backup")]
        assert sink.wait_for(lambda m: m.to == "nobody@x.test", 0.2) is None
