"""The scope guard refuses what the inventory does not declare."""

from __future__ import annotations

import pytest

from canhgac.engine.scope import OutOfScopeError, Scope


def test_names_and_subdomains() -> None:
    s = Scope.build(domains=["KienGiang.gov.vn."], hosts=["portal.example.vn"])
    assert s.allows_name("kiengiang.gov.vn")
    assert s.allows_name("mail.stttt.kiengiang.gov.vn")
    assert s.allows_name("portal.example.vn")
    assert not s.allows_name("evilkiengiang.gov.vn")
    assert not s.allows_name("gov.vn")
    with pytest.raises(OutOfScopeError):
        s.require_name("example.com")


def test_addresses() -> None:
    s = Scope.build(domains=["a.gov.vn"], networks=["203.0.113.0/28", "2001:db8::/64"])
    assert s.allows_address("203.0.113.5")
    assert not s.allows_address("203.0.113.16")
    assert s.allows_address("2001:db8::1")
    assert not s.allows_address("not-an-ip")
    assert s.allows_address("198.51.100.7", via="mx.a.gov.vn")
    assert s.allows_address("198.51.100.7", delegated_by="a.gov.vn")
    assert not s.allows_address("198.51.100.7", via="mx.other.vn")


def test_loopback_only_overrides_everything() -> None:
    s = Scope.build(domains=["a.gov.vn"], networks=["0.0.0.0/0"], loopback_only=True)
    assert s.allows_address("127.53.1.1")
    assert s.allows_address("::1", via="www.a.gov.vn")
    assert not s.allows_address("10.0.0.1")
    assert not s.allows_address("8.8.8.8", via="ns.a.gov.vn")
    with pytest.raises(OutOfScopeError, match="loopback-only"):
        s.require_address("192.0.2.1", delegated_by="a.gov.vn")


def test_host_addresses_via_the_host_or_a_domain_it_serves() -> None:
    s = Scope.build(domains=["a.gov.vn"], loopback_only=True)
    assert s.allows_host_address("127.0.0.9", "mx.a.gov.vn")
    assert s.allows_host_address("127.0.0.9", "mx.provider.vn", ("a.gov.vn",))
    assert not s.allows_host_address("127.0.0.9", "mx.provider.vn", ("other.vn",))
    assert not s.allows_host_address("192.0.2.1", "mx.a.gov.vn", ("a.gov.vn",))
    assert s.refusal("192.0.2.1") == "address 192.0.2.1 is outside the declared scope (loopback-only mode)"
