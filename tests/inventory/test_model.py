"""The inventory model: normalisation, field rules, cross-references and scan windows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import ValidationError

from canhgac.inventory.model import Agency, Inventory

ICT = timezone(timedelta(hours=7))


def agency(code: str = "STTTT", **extra: Any) -> dict[str, Any]:
    return {"code": code, "name": f"Agency {code}", "kind": "department", **extra}


def inventory(*agencies: dict[str, Any], **extra: Any) -> Inventory:
    data = {"version": 1, "province": {"code": "KG", "name": "Tỉnh Kiên Giang"}, **extra}
    return Inventory.model_validate({**data, "agencies": list(agencies)})


def errors(*agencies: dict[str, Any], **extra: Any) -> list[tuple[tuple[str | int, ...], str]]:
    with pytest.raises(ValidationError) as info:
        inventory(*agencies, **extra)
    return [(e["loc"], e["type"]) for e in info.value.errors()]


def test_valid_inventory_is_normalised() -> None:
    inv = inventory(
        agency(
            domains=[{"name": " STTTT.KienGiang.gov.vn. "}, "sởtttt.gov.vn"],
            ranges=["203.0.113.5/28", "2001:DB8::1/48"],
            portals=["HTTPS://Stttt.KienGiang.gov.vn"],
            contacts=[
                {"name": "Nguyễn Văn A", "email": "a@STTTT.kiengiang.gov.vn", "phone": "0911  886 868"}
            ],
        )
    )
    a = inv.agencies[0]
    assert [d.name for d in a.domains] == ["stttt.kiengiang.gov.vn", "xn--stttt-5c2b.gov.vn"]
    assert a.ranges == ("203.0.113.0/28", "2001:db8::/48")
    assert a.portals == ("https://stttt.kiengiang.gov.vn/",)
    assert a.contacts[0].email == "a@stttt.kiengiang.gov.vn"
    assert a.contacts[0].phone == "0911 886 868"
    assert a.policy is None and inv.agency("STTTT") is a


def test_vietnamese_idn_domain_becomes_a_label() -> None:
    inv = inventory(agency(domains=["sởthôngtin.kiêngiang.gov.vn"]))
    name = inv.agencies[0].domains[0].name
    assert name.startswith("xn--") and name.endswith(".gov.vn") and name.isascii()
    assert name.count("xn--") == 2


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("stttt..gov.vn", "two dots in a row"),
        ("https://stttt.gov.vn", "it looks like a URL"),
        ("a@stttt.gov.vn", "it looks like an e-mail address"),
        ("stttt gov.vn", "it contains a space"),
        ("localhost", "it needs at least two labels"),
        ("bad_name.gov.vn", "IDNA"),
        ("x" * 64 + ".gov.vn", "IDNA"),
    ],
)
def test_invalid_domain_names(value: str, reason: str) -> None:
    with pytest.raises(ValidationError) as info:
        inventory(agency(domains=[value]))
    (err,) = info.value.errors()
    assert err["loc"] == ("agencies", 0, "domains", 0, "name")
    assert reason in err["msg"]


def test_address_instead_of_domain() -> None:
    assert errors(agency(domains=["203.0.113.5"])) == [
        (("agencies", 0, "domains", 0, "name"), "address_not_name")
    ]


@pytest.mark.parametrize(
    ("field", "value", "kind"),
    [
        ("ranges", ["203.0.113.0/33"], "cidr"),
        ("ranges", ["10.0.0.0/8"], "cidr_broad"),
        ("ranges", ["2001:db8::/16"], "cidr_broad"),
        ("portals", ["ftp://stttt.gov.vn/"], "url"),
        ("portals", ["https://user:pw@stttt.gov.vn/"], "url"),
        ("portals", ["https://stttt.gov.vn:99999/"], "url"),
        ("contacts", [{"name": "A", "email": "not-an-address"}], "email"),
        ("contacts", [{"name": "A", "phone": "12 34"}], "phone_digits"),
        ("contacts", [{"name": "A", "phone": "call 0911886868"}], "phone"),
        ("tags", ["a", "a"], "duplicate_item"),
    ],
)
def test_field_rules(field: str, value: Any, kind: str) -> None:
    assert [k for _, k in errors(agency(**{field: value}))] == [kind]


def test_ports_and_codes() -> None:
    found = errors(
        agency("stttt", domains=[{"name": "a.gov.vn", "mail_hosts": [{"host": "mx.a.gov.vn", "ports": [0]}]}])
    )
    assert (("agencies", 0, "code"), "code") in found
    assert (("agencies", 0, "domains", 0, "mail_hosts", 0, "ports", 0), "greater_than_equal") in found


def test_mail_host_defaults_to_port_25() -> None:
    inv = inventory(agency(domains=[{"name": "a.gov.vn", "mail_hosts": [{"host": "MX.a.gov.vn"}]}]))
    host = inv.agencies[0].domains[0].mail_hosts[0]
    assert (host.host, host.ports) == ("mx.a.gov.vn", (25,))


def test_duplicate_codes_and_domains_across_agencies() -> None:
    found = errors(
        agency("A1", domains=["a.gov.vn"]),
        agency("A2", domains=["A.gov.vn."]),
        agency("A1"),
    )
    assert (("agencies", 1, "domains", 0, "name"), "duplicate_domain") in found
    assert (("agencies", 2, "code"), "duplicate_code") in found


def test_parent_must_exist_and_not_loop() -> None:
    assert errors(agency("A1", parent="NOPE")) == [(("agencies", 0, "parent"), "unknown_parent")]
    found = errors(agency("A1", parent="A2"), agency("A2", parent="A3"), agency("A3", parent="A1"))
    assert found == [(("agencies", i, "parent"), "cycle") for i in range(3)]
    assert errors(agency("A1", parent="A1")) == [(("agencies", 0, "parent"), "cycle")]


def test_tree_without_cycle_is_fine() -> None:
    inv = inventory(agency("UBND"), agency("A1", parent="UBND"), agency("A2", parent="A1"))
    assert [a.parent for a in inv.agencies] == [None, "UBND", "A1"]


def test_hosted_by_must_be_a_provider() -> None:
    assert errors(agency("A1", hosted_by="VNPT")) == [(("agencies", 0, "hosted_by"), "unknown_host")]
    found = errors(agency("A1", hosted_by="A2"), agency("A2"))
    assert found == [(("agencies", 0, "hosted_by"), "not_provider")]
    inventory(agency("A1", hosted_by="VNPT"), {**agency("VNPT"), "kind": "provider"})


def test_public_suffix_cannot_be_declared() -> None:
    assert errors(agency(domains=["gov.vn"])) == [(("agencies", 0, "domains", 0, "name"), "public_suffix")]
    lab = {"scope": {"public_suffixes": ["gov.test"]}}
    assert [k for _, k in errors(agency(domains=["gov.test"]), **lab)] == ["public_suffix"]
    inventory(agency(domains=["stttt.gov.test"]), **lab)


def test_unknown_kind_and_extra_field() -> None:
    found = errors({**agency(), "kind": "ministry", "nme": "x"})
    assert (("agencies", 0, "kind"), "enum") in found
    assert (("agencies", 0, "nme"), "extra_forbidden") in found


def test_models_are_frozen() -> None:
    a = inventory(agency()).agencies[0]
    with pytest.raises(ValidationError):
        a.code = "X"  # type: ignore[misc]
    assert isinstance(a, Agency)


# -- scan windows and blackouts ------------------------------------------------------------

NIGHTS = {"windows": [{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "19:00", "end": "06:00"}]}


def at(day: int, hour: int, minute: int = 0, tz: timezone = ICT) -> datetime:
    """2027-03-01 is a Monday: ``day`` 1 = Monday ... 7 = Sunday."""
    return datetime(2027, 3, day, hour, minute, tzinfo=tz)


@pytest.mark.parametrize(
    ("when", "allowed"),
    [
        (at(1, 18, 59), False),  # Monday before the window
        (at(1, 19, 0), True),  # Monday window opens
        (at(2, 5, 59), True),  # Tuesday early morning: Monday's window still open
        (at(2, 6, 0), False),  # closed at 06:00
        (at(1, 3, 0), False),  # Monday 03:00 belongs to Sunday night: no window on Sunday
        (at(5, 23, 0), True),  # Friday night
        (at(6, 2, 0), True),  # Saturday 02:00: Friday's window
        (at(6, 20, 0), False),  # Saturday evening
        (at(1, 12, 30, UTC), True),  # 19:30 in Vietnam
    ],
)
def test_overnight_window(when: datetime, allowed: bool) -> None:
    inv = inventory(agency(policy=NIGHTS))
    assert inv.in_window("STTTT", when) is allowed


def test_day_window_and_default_days() -> None:
    inv = inventory(agency(policy={"windows": [{"start": "08:00", "end": "11:30"}]}))
    assert inv.in_window("STTTT", at(7, 8, 0))
    assert not inv.in_window("STTTT", at(7, 11, 30))


def test_no_policy_means_always_and_defaults_apply() -> None:
    assert inventory(agency()).in_window("STTTT", at(6, 3))
    inv = inventory(agency(), defaults={"policy": NIGHTS})
    assert not inv.in_window("STTTT", at(6, 12))
    assert inv.in_window(inv.agencies[0], at(1, 20))


def test_blackout_wins_over_windows() -> None:
    blackout = {"start": "2027-03-01T00:00:00+07:00", "end": "2027-03-03T00:00:00+07:00", "reason": "Tết"}
    inv = inventory(agency(policy={**NIGHTS, "blackouts": [blackout]}))
    assert not inv.in_window("STTTT", at(1, 20))
    assert not inv.in_window("STTTT", at(2, 23, 59))
    assert inv.in_window("STTTT", at(3, 20))
    only_blackout = inventory(agency(policy={"blackouts": [blackout]}))
    assert not only_blackout.in_window("STTTT", at(2, 12))
    assert only_blackout.in_window("STTTT", at(4, 12))


def test_naive_time_is_refused() -> None:
    inv = inventory(agency(policy=NIGHTS))
    with pytest.raises(ValueError, match="time zone"):
        inv.in_window("STTTT", datetime(2027, 3, 1, 20))


@pytest.mark.parametrize(
    ("policy", "kind"),
    [
        ({"windows": [{"start": "25:00", "end": "06:00"}]}, "clock"),
        ({"windows": [{"start": "19:00", "end": "19:00"}]}, "empty_window"),
        ({"windows": [{"days": ["funday"], "start": "19:00", "end": "06:00"}]}, "day"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        (
            {"blackouts": [{"start": "2027-02-07T00:00:00+07:00", "end": "2027-02-05T00:00:00+07:00"}]},
            "blackout_order",
        ),
        ({"blackouts": [{"start": "2027-02-05T00:00:00", "end": "2027-02-07T00:00:00"}]}, "timezone_aware"),
    ],
)
def test_bad_policies(policy: dict[str, Any], kind: str) -> None:
    assert kind in [k for _, k in errors(agency(policy=policy))]


def test_full_day_names_accepted() -> None:
    inv = inventory(
        agency(policy={"windows": [{"days": ["Saturday", "SUN"], "start": "0:00", "end": "23:59"}]})
    )
    assert inv.agencies[0].policy is not None
    assert inv.agencies[0].policy.windows[0].days == ("sat", "sun")
