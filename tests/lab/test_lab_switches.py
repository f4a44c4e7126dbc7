"""The lab's switches change what its real servers answer and put it back: a portal refusing
connections, a defaced home page, another MX, another NS (the parent's delegation too), an expired
and an expiring certificate; bad switches and agencies are refused with a code; the control
socket of ``lab up`` answers the same requests, however long its folder's path."""

from __future__ import annotations

import asyncio
import datetime as dt
import ssl
from pathlib import Path

import pytest
from cryptography import x509

from canhgac.engine.dns import DnsClient, ServerAddress
from canhgac.lab import start_lab
from canhgac.lab.control import SOCKET_NAME, ControlServer, LabNotRunningError, request
from canhgac.lab.runtime import Lab
from canhgac.lab.switches import MX_HIJACKED, NS_HIJACKED, Switch, SwitchError
from canhgac.lab.web_plan import PORTALS

STTTT, SYT = "stttt.kiengiang.gov.test", "soyte.kiengiang.gov.test"
PARENT_NS = "127.53.1.1"  # ns1 of kiengiang.gov.test, which delegates both


def _portal(domain: str) -> tuple[str, str]:
    plan = next(p for p in PORTALS if p.domain == domain)
    return plan.host, plan.address


async def _get(lab: Lab, domain: str) -> tuple[bytes, dt.datetime]:
    """The portal's home page (without verifying its certificate) and its certificate's end."""
    host, address = _portal(domain)
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    reader, writer = await asyncio.open_connection(address, 443, ssl=context, server_hostname=host)
    try:
        der = writer.get_extra_info("ssl_object").getpeercert(binary_form=True)
        writer.write(f"GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        body = await asyncio.wait_for(reader.read(), 10)
    finally:
        writer.close()
    return body, x509.load_der_x509_certificate(der).not_valid_after_utc


async def _records(address: str, port: int, name: str, rdtype: str) -> tuple[str, ...]:
    client = DnsClient((ServerAddress(address, port),), timeout=2.0, attempts=2)
    return tuple(sorted((await client.query(name, rdtype)).records))


async def _delegation(lab: Lab, domain: str) -> tuple[str, ...]:
    """The NS names the parent's name server refers to for ``domain`` (its referral)."""
    import dns.asyncquery
    import dns.message
    import dns.rdatatype

    query = dns.message.make_query(domain, "NS")
    answer = await dns.asyncquery.udp(query, PARENT_NS, timeout=2, port=lab.nameserver_port)
    return tuple(sorted(str(r) for rrset in (*answer.authority, *answer.answer)
                        if rrset.rdtype == dns.rdatatype.NS for r in rrset))


async def test_each_switch_changes_what_the_lab_answers_and_restore_puts_it_back() -> None:
    lab = await start_lab(0)
    try:
        resolver, port = lab.resolver.host, lab.nameserver_port
        home, not_after = await _get(lab, STTTT)
        mx, ns = await _records(resolver, port, STTTT, "MX"), await _records(resolver, port, SYT, "NS")
        delegation = await _delegation(lab, SYT)
        now = dt.datetime.now(dt.UTC)
        assert b"Hacked by" not in home and not_after > now + dt.timedelta(days=300)
        assert mx == (f"10 mail.{STTTT}.",) and f"ns1.{SYT}." in delegation

        await lab.switches.break_(Switch.DEFACE, "STTTT")
        await lab.switches.break_("mx", "STTTT")
        await lab.switches.break_(Switch.NS, "SYT")
        await lab.switches.break_(Switch.PORTAL_DOWN, "SYT")
        await lab.switches.break_(Switch.CERT_LAPSE, "SNV")
        await lab.switches.break_(Switch.CERT_EXPIRING, "STC")
        assert {(t.switch.value, t.agency) for t in lab.switches.on} == {
            ("deface", "STTTT"), ("mx", "STTTT"), ("ns", "SYT"), ("portal-down", "SYT"),
            ("cert-lapse", "SNV"), ("cert-expiring", "STC")}
        defaced, _ = await _get(lab, STTTT)
        assert b"Hacked by" in defaced
        assert await _records(resolver, port, STTTT, "MX") == (MX_HIJACKED,)
        hijacked = (f"{NS_HIJACKED}.{SYT}.", f"ns1.{SYT}.")
        assert await _records(resolver, port, SYT, "NS") == hijacked
        assert await _delegation(lab, SYT) == hijacked  # the parent delegates to it too
        with pytest.raises(ConnectionRefusedError):
            await _get(lab, SYT)
        _, lapsed = await _get(lab, "snv.kiengiang.gov.test")
        _, expiring = await _get(lab, "stc.kiengiang.gov.test")
        assert lapsed < now and now + dt.timedelta(days=5) < expiring < now + dt.timedelta(days=14)

        put_back = await lab.switches.restore(agency="SYT")
        assert {t.switch for t in put_back} == {Switch.NS, Switch.PORTAL_DOWN}
        assert await _records(resolver, port, SYT, "NS") == ns and await _delegation(lab, SYT) == delegation
        assert b"<html" in (await _get(lab, SYT))[0]
        await lab.switches.restore()
        assert not lab.switches.on and await lab.switches.restore() == ()
        assert (await _get(lab, STTTT))[0].count(b"Hacked by") == 0
        assert await _records(resolver, port, STTTT, "MX") == mx
        assert (await _get(lab, "snv.kiengiang.gov.test"))[1] > now + dt.timedelta(days=300)
        assert (await _get(lab, "stc.kiengiang.gov.test"))[1] > now + dt.timedelta(days=300)
        # a certificate switched while the portal is down is served when it comes back
        await lab.switches.break_(Switch.PORTAL_DOWN, "STTTT")
        await lab.switches.break_(Switch.CERT_LAPSE, "STTTT")
        await lab.switches.restore(Switch.PORTAL_DOWN)
        assert (await _get(lab, STTTT))[1] < now
        await lab.switches.restore()
        assert (await _get(lab, STTTT))[1] > now + dt.timedelta(days=300)

        for bad, code in ((lambda: lab.switches.break_("fire", "STTTT"), "unknown-switch"),
                          (lambda: lab.switches.break_(Switch.MX, "NOPE"), "unknown-agency"),
                          (lambda: lab.switches.restore(agency="NOPE"), "unknown-agency")):
            with pytest.raises(SwitchError) as refused:
                await bad()
            assert refused.value.code == code
        assert "STTTT" in refused.value.values["known"]
        assert lab.internal_errors == 0
    finally:
        await lab.stop()


async def test_the_control_socket_answers_lab_break_and_restore(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / ("a-long-folder-name-" * 6) / "lab"  # longer than a socket address holds
    folder.mkdir(parents=True)
    assert len(str(folder / SOCKET_NAME)) > 108
    with pytest.raises(LabNotRunningError):
        request(folder, {"do": "status"})
    (folder / SOCKET_NAME).write_text("")  # a file left by a lab that was killed
    lab = await start_lab(0)
    control = ControlServer(lab, folder)
    try:
        await control.start()

        def ask(message: dict[str, object]) -> dict[str, object]:
            return request(folder, message)

        broke = await asyncio.to_thread(ask, {"do": "break", "switch": "deface", "agency": "STTTT"})
        assert broke == {"ok": True, "changed": [{"switch": "deface", "agency": "STTTT",
                                                   "target": f"https://www.{STTTT}/"}],
                         "on": [{"switch": "deface", "agency": "STTTT", "target": f"https://www.{STTTT}/"}]}
        assert b"Hacked by" in (await _get(lab, STTTT))[0]
        refused = await asyncio.to_thread(ask, {"do": "break", "switch": "ns", "agency": "NOPE"})
        assert refused["ok"] is False and refused["error"] == "unknown-agency"
        dance = await asyncio.to_thread(ask, {"do": "dance"})
        assert dance == {"ok": False, "error": "bad-request", "values": {}}
        assert (await control.answer(b"not json\n"))["error"] == "bad-request"

        async def cannot_bind(switch: str, agency: str) -> None:
            raise OSError(98, "Address already in use")

        with monkeypatch.context() as patched:  # a server that would not start again: said, not hung
            patched.setattr(lab.switches, "break_", cannot_bind)
            failed = await asyncio.to_thread(ask, {"do": "break", "switch": "portal-down", "agency": "STTTT"})
        assert failed["error"] == "failed"
        assert failed["values"] == {"detail": "[Errno 98] Address already in use"}
        restored = await asyncio.to_thread(ask, {"do": "restore", "switch": None, "agency": None})
        assert restored["ok"] is True and len(restored["changed"]) == 1 and restored["on"] == []
        assert b"Hacked by" not in (await _get(lab, STTTT))[0]
    finally:
        await control.stop()
        await lab.stop()
    assert not (folder / SOCKET_NAME).exists()
    with pytest.raises(LabNotRunningError):
        request(folder, {"do": "status"})
