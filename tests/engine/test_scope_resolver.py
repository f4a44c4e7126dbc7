"""Issue 9, defect 1: the scope covers the resolver, the system resolver and name servers found
by delegation. A resolver outside the scope is refused before the first packet; the connection
log (the loopback guard's check, recorded) proves that nothing was sent to it."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lab_dns_support import zone_file
from loopback_support import random_loopback

from canhgac.catalog import load_catalog
from canhgac.engine.builtin import builtin_registry
from canhgac.engine.collectors.zone import collect_zone
from canhgac.engine.context import CollectContext
from canhgac.engine.dns import DnsClient, ResolverError, ServerAddress
from canhgac.engine.facts.zone import ProbeState
from canhgac.engine.resolvers import ResolverOutOfScopeError, choose_resolvers, system_resolvers
from canhgac.engine.scope import OutOfScopeError, Scope
from canhgac.engine.settings import ScanSettings, ScopeSettings
from canhgac.engine.targets import Target, TargetKind
from canhgac.i18n import DEFAULT_LANGUAGE, set_language
from canhgac.inventory.model import Inventory
from canhgac.inventory.targets import build_scope, scan_resolvers
from canhgac.lab.dns_server import LabDnsServer
from canhgac.services.scan import ScanRequest, execute_scan, settings_for

OUTSIDE = "192.0.2.53"  # documentation range: never contacted


def inventory(**scope: Any) -> Inventory:
    return Inventory.model_validate({
        "version": 1,
        "province": {"code": "LAB", "name": "Lab"},
        "scope": {"public_suffixes": ["gov.test"], "loopback_only": True, **scope},
        "agencies": [{"code": "STTTT", "name": "Sở", "kind": "department", "domains": ["stttt.gov.test"]}],
    })


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Messages asserted in English; the default language comes back after each test."""
    set_language("en")
    yield
    set_language(DEFAULT_LANGUAGE)


async def test_out_of_scope_resolver_is_refused_before_any_packet(contacts: list[tuple[str, Any]]) -> None:
    """The library path: settings built with an out-of-scope resolver never reach it."""
    inv = inventory()
    settings = settings_for(inv, resolvers=[OUTSIDE])
    request = ScanRequest(inv, settings)
    with pytest.raises(ResolverOutOfScopeError) as refused:
        await execute_scan(request, builtin_registry(), load_catalog(), persist=False)
    assert str(refused.value) == (
        f"resolver {OUTSIDE}:53 is outside the scope: scope.loopback_only is true: only 127.0.0.0/8 and ::1 "
        "may be asked; change --resolver or scope.resolvers in the inventory"
    )
    assert isinstance(refused.value, OutOfScopeError)
    assert contacts == []  # not one socket opened: refused before the first packet


async def test_the_recorder_sees_what_an_in_scope_resolver_is_asked(contacts: list[tuple[str, Any]]) -> None:
    """Control: the same path with the lab's loopback resolver sends, and the log shows it."""
    inv = inventory()
    zones = {"gov.test": zone_file("gov.test", 'stttt IN TXT "v=spf1 -all"')}
    async with LabDnsServer(zones=zones, address=random_loopback()) as server:
        settings = settings_for(inv, resolvers=[f"{server.address}:{server.port}"])
        request = ScanRequest(inv, settings, check_ids=("mail.spf.present",))
        outcome = await execute_scan(request, builtin_registry(), load_catalog(), persist=False)
    assert [r.check_id for r in outcome.results] == ["mail.spf.present"]
    # the scan's questions, and the lab server's answers to the scan's source address
    assert {c for c in contacts if c[0] != "127.0.0.1"} == {(server.address, server.port)}, contacts


def test_scan_resolvers_choose_option_then_inventory_then_system() -> None:
    inv = inventory(resolvers=["127.53.0.9:5353"])
    assert scan_resolvers(inv, ["127.53.0.9:53"]) == ("127.53.0.9:53",)
    assert scan_resolvers(inv, None) == ("127.53.0.9:5353",)
    assert scan_resolvers(inventory(), ["127.0.0.2"]) == ("127.0.0.2:53",)
    with pytest.raises(ResolverOutOfScopeError) as refused:
        scan_resolvers(inv, ["127.0.0.2"])
    assert str(refused.value).startswith(
        "resolver 127.0.0.2:53 (--resolver) is outside the scope: the inventory lists its resolvers in "
        "scope.resolvers and this is not one of them")
    assert scan_resolvers(inventory(), None, system=lambda: ("::1",)) == ("[::1]:53",)


def test_system_resolver_off_loopback_is_refused_naming_the_settings() -> None:
    with pytest.raises(ResolverOutOfScopeError) as refused:
        scan_resolvers(inventory(), None, system=lambda: ("10.0.0.2",))
    assert str(refused.value) == (
        "resolver 10.0.0.2:53 (/etc/resolv.conf) is outside the scope: scope.loopback_only is true: "
        "only 127.0.0.0/8 and ::1 may be asked; change --resolver or scope.resolvers in the inventory"
    )


def test_system_resolvers_are_read_by_dnspython(tmp_path: Path) -> None:
    conf = tmp_path / "resolv.conf"
    conf.write_text("# comment\nsearch gov.test\nnameserver 127.0.0.53\nnameserver ::1\noptions edns0\n")
    assert system_resolvers(str(conf)) == ("127.0.0.53", "::1")
    empty = tmp_path / "empty.conf"
    empty.write_text("search gov.test\n")
    assert system_resolvers(str(empty)) == ("127.0.0.1",)  # the C library's default
    assert system_resolvers(str(tmp_path / "missing.conf")) == ("127.0.0.1",)


def test_declared_resolvers_are_the_only_ones_outside_loopback_mode() -> None:
    scope = Scope.build(domains=["a.gov.vn"], resolvers=["203.0.113.53"])
    assert choose_resolvers((), ("203.0.113.53",), scope) == ("203.0.113.53:53",)
    with pytest.raises(ResolverOutOfScopeError, match=r"resolver 198\.51\.100\.1:53 \(--resolver\) .* "
                       r"lists its resolvers in scope\.resolvers"):
        choose_resolvers(("198.51.100.1",), ("203.0.113.53",), scope)
    # no list: the operator's own choice (system or --resolver) is allowed
    assert choose_resolvers(("198.51.100.1",), (), Scope.build(domains=["a.gov.vn"])) == ("198.51.100.1:53",)


@pytest.mark.parametrize(("text", "message"), [
    ("dns.google", "'dns.google' is not a server address; give an IP address with an optional port, "
                   "like 127.0.0.1, 127.0.0.1:5353 or [::1]:53 (not a name)"),
    ("127.53.0.1:99999", "'127.53.0.1:99999': the port must be a number from 1 to 65535"),
    ("127.53.0.1:x", "'127.53.0.1:x': the port must be a number from 1 to 65535"),
    ("[::1", "'[::1' is not a server address; give an IP address with an optional port, "
             "like 127.0.0.1, 127.0.0.1:5353 or [::1]:53 (not a name)"),
])
def test_malformed_resolvers_are_one_line_errors(text: str, message: str) -> None:
    with pytest.raises(ResolverError) as bad:
        ServerAddress.parse(text)
    assert str(bad.value) == message


def test_settings_refuse_to_build_a_context_with_an_out_of_scope_resolver() -> None:
    """Stored or hand-made settings are checked too: the DNS client is never created."""
    settings = ScanSettings(resolvers=(OUTSIDE,), scope=ScopeSettings(loopback_only=True))
    with pytest.raises(ResolverOutOfScopeError):
        CollectContext.from_settings(settings)
    listed = ScanSettings(resolvers=("127.0.0.2",), scope=ScopeSettings(resolvers=("127.0.0.1",)))
    with pytest.raises(ResolverOutOfScopeError):
        CollectContext.from_settings(listed)
    declared = build_scope(inventory(resolvers=["127.0.0.1:5353"]))
    assert declared.resolvers == {ipaddress.ip_address("127.0.0.1")}


async def test_name_servers_found_by_delegation_pass_the_guard(contacts: list[tuple[str, Any]]) -> None:
    """An NS host outside the declared names is asked only because the zone delegates to it, and
    only at an address the scope allows; the one off loopback is recorded, never contacted."""
    soa = "@ IN SOA ns1.provider.test. hostmaster.stttt.gov.test. 1 3600 600 86400 300"
    zone = f"$TTL 300\n{soa}\n@ IN NS ns1.provider.test.\n@ IN NS ns2.provider.test.\n"
    provider = zone_file("provider.test", f"ns1 IN A 127.0.0.77\nns2 IN A {OUTSIDE}\n")
    zones = {"stttt.gov.test": zone, "provider.test": provider}
    async with LabDnsServer(zones=zones, address=random_loopback()) as server:
        ctx = CollectContext(
            dns=DnsClient((ServerAddress(server.address, server.port),), timeout=0.3, attempts=1),
            scope=Scope.build(domains=["stttt.gov.test"], loopback_only=True),
            settings=ScanSettings(nameserver_port=server.port, dns_timeout=0.3),
        )
        try:
            facts = await collect_zone(Target(kind=TargetKind.DOMAIN, name="stttt.gov.test", agency="X"), ctx)
        finally:
            await ctx.aclose()
    states = {p.address: p.state for p in facts.probes}
    assert states[OUTSIDE] is ProbeState.OUT_OF_SCOPE
    assert states["127.0.0.77"] is not ProbeState.OUT_OF_SCOPE  # asked, as the delegation allows
    assert ("127.0.0.77", server.port) in contacts
    assert OUTSIDE not in {host for host, _ in contacts}


def test_declared_resolver_off_loopback_is_an_inventory_error() -> None:
    with pytest.raises(ValueError, match="resolver_not_loopback"):
        inventory(resolvers=[OUTSIDE])


def test_check_resolvers_refuses_what_a_retest_would_ask_without_sending() -> None:
    """``retest --resolver`` (and stored settings) go through the same check before any packet."""
    with pytest.raises(ResolverError, match="not a server address"):
        ScanSettings(resolvers=("dns.google",)).check_resolvers()
    with pytest.raises(ResolverOutOfScopeError):
        ScanSettings(resolvers=(OUTSIDE,), scope=ScopeSettings(loopback_only=True)).check_resolvers()
    allowed = ScanSettings(resolvers=("127.0.0.1:5353",)).check_resolvers()
    assert allowed == (ServerAddress("127.0.0.1", 5353),)
