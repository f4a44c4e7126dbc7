"""From inventory to engine: scope (subdomains in, everything else out), targets and options."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from canhgac.engine.scope import OutOfScopeError
from canhgac.engine.targets import Target, TargetKind
from canhgac.inventory.loader import load_inventory
from canhgac.inventory.model import Inventory
from canhgac.inventory.targets import (
    UnknownAgencyError,
    build_scope,
    domain_targets,
    public_suffixes,
    select_agencies,
    target_options,
    url_targets,
)


@pytest.fixture
def inv(sample_path: Path) -> Inventory:
    return load_inventory(sample_path)


def test_scope_allows_declared_domains_and_subdomains(inv: Inventory) -> None:
    scope = build_scope(inv)
    for name in (
        "stttt.kiengiang.gov.vn",
        "mail.stttt.kiengiang.gov.vn",
        "_dmarc.stttt.kiengiang.gov.vn",
        "KIENGIANG.gov.test.",
        "xn--stttt-5c2b.gov.test",
    ):
        assert scope.allows_name(name), name
    for name in ("kiengiang.gov.vn", "gov.test", "evilstttt.kiengiang.gov.vn", "example.com", "gov.vn"):
        assert not scope.allows_name(name), name
    with pytest.raises(OutOfScopeError):
        scope.require_name("example.com")


def test_scope_addresses(inv: Inventory) -> None:
    scope = build_scope(inv)
    assert scope.allows_address("203.0.113.14")
    assert not scope.allows_address("203.0.113.16")
    assert not scope.allows_address("198.51.100.1")
    assert scope.allows_address("198.51.100.1", via="mx.stttt.kiengiang.gov.vn")
    assert not scope.allows_address("198.51.100.1", via="mx.example.com")
    assert not scope.loopback_only


def with_scope(inv: Inventory, **scope: Any) -> Inventory:
    data = inv.model_dump()
    data["scope"] = {**data["scope"], **scope}
    return Inventory.model_validate(data)


def test_loopback_only_refuses_declared_public_addresses(inv: Inventory) -> None:
    scope = build_scope(with_scope(inv, loopback_only=True))
    assert scope.loopback_only
    assert not scope.allows_address("203.0.113.14")
    assert not scope.allows_address("198.51.100.1", via="stttt.kiengiang.gov.vn")
    assert scope.allows_address("127.77.0.1", via="stttt.kiengiang.gov.vn")
    assert not scope.allows_address("127.77.0.1", via="example.com")


def test_portal_hosts_are_in_scope() -> None:
    inv = Inventory.model_validate(
        {
            "version": 1,
            "province": {"code": "KG", "name": "KG"},
            "agencies": [
                {
                    "code": "A1",
                    "name": "A1",
                    "kind": "other",
                    "portals": [
                        "https://portal.example.vn:8443/x",
                        "http://[2001:db8::5]/",
                        "http://198.51.100.7/",
                    ],
                }
            ],
        }
    )
    scope = build_scope(inv)
    assert scope.allows_name("portal.example.vn")
    assert not scope.allows_name("www.portal.example.vn.evil")
    assert scope.allows_address("2001:db8::5") and scope.allows_address("198.51.100.7")
    assert not scope.allows_address("198.51.100.8")


def test_public_suffixes_include_lab_suffixes(inv: Inventory) -> None:
    psl = public_suffixes(inv)
    assert psl.organizational_domain("mail.kiengiang.gov.test") == "kiengiang.gov.test"
    assert psl.organizational_domain("stttt.kiengiang.gov.vn") == "kiengiang.gov.vn"


def test_domain_targets_and_selection(inv: Inventory) -> None:
    assert domain_targets(inv) == [
        Target(kind=TargetKind.DOMAIN, name="kiengiang.gov.test", agency="UBND"),
        Target(kind=TargetKind.DOMAIN, name="stttt.kiengiang.gov.vn", agency="STTTT"),
        Target(kind=TargetKind.DOMAIN, name="xn--stttt-5c2b.gov.test", agency="STTTT"),
    ]
    assert [t.name for t in domain_targets(inv, ["stttt"])] == [
        "stttt.kiengiang.gov.vn",
        "xn--stttt-5c2b.gov.test",
    ]
    assert domain_targets(inv, ["VNPTKG"]) == []
    assert [a.code for a in select_agencies(inv, ["STTTT", "UBND"])] == ["UBND", "STTTT"]


def test_unknown_agency_code_is_a_clear_error(inv: Inventory) -> None:
    with pytest.raises(
        UnknownAgencyError, match=r"unknown agency code\(s\): NOPE, STTT \(did you mean STTTT\?\)"
    ):
        domain_targets(inv, ["STTT", "nope", "UBND"])


def test_target_options_use_domain_selectors_else_defaults(inv: Inventory) -> None:
    options = target_options(inv)
    assert options["domain:stttt.kiengiang.gov.vn"].dkim_selectors == ("mail2024",)
    assert options["domain:kiengiang.gov.test"].dkim_selectors == ("mail2024",)  # the default
    assert set(options) == {t.key for t in domain_targets(inv)} | {t.key for t in url_targets(inv)}
    assert options["url:https://stttt.kiengiang.gov.vn/"].role == "portal"
    data = inv.model_dump()
    data["defaults"] = {}
    assert target_options(Inventory.model_validate(data))["domain:kiengiang.gov.test"].dkim_selectors == ()


def test_webmail_urls_are_targets_with_their_role_and_in_scope(inv: Inventory) -> None:
    data = inv.model_dump(mode="json")
    data["agencies"][0]["webmail"] = ["https://webmail.example-agency.vn/owa/"]
    inv2 = Inventory.model_validate(data)
    keys = {t.key for t in url_targets(inv2)}
    assert "url:https://webmail.example-agency.vn/owa/" in keys
    assert target_options(inv2)["url:https://webmail.example-agency.vn/owa/"].role == "webmail"
    assert build_scope(inv2).allows_name("webmail.example-agency.vn")
