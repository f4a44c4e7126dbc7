"""One meaning of "family": selection by family (or group), the hyphen alias, refusals with
suggestions, and the module a family names."""

from __future__ import annotations

import pytest

from canhgac.catalog import Catalog, UnknownNameError
from canhgac.catalog.families import (
    family_of_module,
    module_of_family,
    normalise_family,
    resolve_families,
    resolve_ids,
)
from canhgac.engine.builtin import builtin_registry

FAMILY_OF = {
    "mail.spf.present": "mail.spf",
    "mail.spf.policy": "mail.spf",
    "mail.tls.protocols": "mail.tls",
    "web.hsts": "web.transport",
    "web.tls.ciphers": "web.transport",
    "net.smb.exposed": "net.services",
    "net.redis.noauth": "net.database",
}


def test_family_and_module_name_each_other() -> None:
    assert module_of_family("mail.tls") == "canhgac.engine.checks.mail_tls"
    assert family_of_module("canhgac.engine.checks.net_database") == "net.database"
    assert family_of_module(module_of_family("web.transport")) == "web.transport"


def test_hyphen_spelling_is_an_alias() -> None:
    assert normalise_family("mail-spf") == "mail.spf"
    assert resolve_families(["mail-spf"], FAMILY_OF) == {"mail.spf"}


def test_a_group_selects_every_family_under_it() -> None:
    assert resolve_families(["net"], FAMILY_OF) == {"net.services", "net.database"}
    assert resolve_families(["mail"], FAMILY_OF) == {"mail.spf", "mail.tls"}


def test_unknown_family_is_refused_with_close_names(english: None) -> None:
    """Regression: `-f mail.spff` selected nothing and the scan exited 0."""
    with pytest.raises(UnknownNameError) as caught:
        resolve_families(["mail.spff"], FAMILY_OF)
    assert caught.value.suggestions[0] == "mail.spf"
    assert str(caught.value).startswith("unknown check family: mail.spff — did you mean: mail.spf")


def test_start_of_check_ids_suggests_the_family_holding_them() -> None:
    """``web.tls`` is the start of ids, not a family: the family of those checks is suggested."""
    with pytest.raises(UnknownNameError) as caught:
        resolve_families(["web.tls"], FAMILY_OF)
    assert caught.value.suggestions == ("web.transport",)


def test_unknown_check_id_is_refused_with_close_ids(english: None) -> None:
    with pytest.raises(UnknownNameError) as caught:
        resolve_ids(["mail.spf.presnt"], FAMILY_OF)
    assert caught.value.kind == "check"
    assert caught.value.suggestions == ("mail.spf.present",)
    assert resolve_ids(["web.hsts"], FAMILY_OF) == {"web.hsts"}


def test_refusal_speaks_vietnamese_by_default() -> None:
    with pytest.raises(UnknownNameError) as caught:
        resolve_families(["mail.spff"], FAMILY_OF)
    assert "họ kiểm tra" in str(caught.value)


def test_registry_selects_by_family_not_by_id_prefix() -> None:
    registry = builtin_registry()
    transport = registry.select(families=["web.transport"])
    assert {"web.hsts", "web.caa", "web.tls.ciphers", "web.https.redirect"} <= set(transport.checks)
    assert {spec.family for spec in transport.checks.values()} == {"web.transport"}
    alias = registry.select(families=["mail-spf"])
    assert set(alias.checks) == set(registry.select(families=["mail.spf"]).checks)
    net = {spec.family for spec in registry.select(families=["net"]).checks.values()}
    assert net == {f for f in registry.families() if f.startswith("net.")}


@pytest.mark.parametrize(
    ("families", "ids"), [(["mail.spff"], []), (["web.tls"], []), ([], ["mail.spf.presnt"])]
)
def test_registry_refuses_unknown_names(families: list[str], ids: list[str]) -> None:
    with pytest.raises(UnknownNameError):
        builtin_registry().select(families=families, ids=ids)


def test_catalog_selects_self_assessment_families_too(real_catalog: Catalog) -> None:
    accounts = real_catalog.select(families=["mail.accounts"])
    assert {e.id for e in accounts} == {"mail.auth.lockout", "mail.auth.mfa", "mail.auth.password-policy"}
    with pytest.raises(UnknownNameError):
        real_catalog.select(families=["mail.acounts"])


def test_registry_takes_the_family_from_the_module_and_refuses_a_check_in_two() -> None:
    """A check re-exported by a module of another family would have two families: refused."""
    import types

    from canhgac.engine.checks import mail_dnsbl
    from canhgac.engine.collectors import dnsbl
    from canhgac.engine.registry import RegistryError, build_registry

    registry = build_registry([mail_dnsbl, dnsbl])
    assert registry.checks["mail.dnsbl.listed"].family == "mail.dnsbl"
    elsewhere = types.ModuleType("canhgac.engine.checks.mail_smtp")
    elsewhere.listed = mail_dnsbl.dnsbl_listed  # type: ignore[attr-defined]
    with pytest.raises(RegistryError, match=r"families mail\.dnsbl and mail\.smtp"):
        build_registry([mail_dnsbl, dnsbl, elsewhere])


def test_a_check_id_given_as_a_family_points_to_check() -> None:
    with pytest.raises(UnknownNameError) as caught:
        resolve_families(["web.tls.cert-trusted"], {"web.tls.cert-trusted": "web.transport"})
    assert "--check web.tls.cert-trusted" in str(caught.value)
