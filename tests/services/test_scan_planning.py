"""``services.scan`` without the network: settings for an inventory, scan windows, and the
family, check and target filters of ``plan_scan``.

Every plan here needs no discovery (only web families, or explicit targets, or every agency
skipped), so nothing is sent anywhere; the addresses are documentation data.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest

from canhgac.engine.builtin import builtin_registry
from canhgac.engine.dnsbl_zones import DEFAULT_DNSBL_ZONES
from canhgac.engine.options import TargetOptions
from canhgac.engine.plan import ScanPlan
from canhgac.engine.targets import Target, TargetKind
from canhgac.inventory.model import Inventory
from canhgac.services.scan import PlannedScan, ScanRequest, discovery_request, plan_scan, settings_for

# Monday 6 January 2025, 10:00 in Ho Chi Minh City
MONDAY_MORNING = datetime(2025, 1, 6, 3, 0, tzinfo=UTC)
OUTSIDE = "outside the agency's scan window or in a blackout period"
PORTAL_A = "https://cong.so-a.example.vn/"
PORTAL_A2 = "https://dichvu.so-a.example.vn/"
PORTAL_B = "https://cong.so-b.example.vn/"


def inventory(a_policy: dict[str, Any] | None = None, b_policy: dict[str, Any] | None = None) -> Inventory:
    def agency(code: str, name: str, domain: str, portals: list[str],
               policy: dict[str, Any] | None) -> dict[str, Any]:
        found: dict[str, Any] = {
            "code": code, "name": name, "kind": "department",
            "domains": [{"name": domain, "dkim_selectors": ["s1"]}],
            "portals": portals, "ranges": ["192.0.2.0/29"] if code == "SO-A" else [],
        }
        if policy is not None:
            found["policy"] = policy
        return found

    return Inventory.model_validate({
        "version": 1,
        "province": {"code": "KG", "name": "Tỉnh Kiên Giang"},
        "defaults": {"dkim_selectors": ["default"]},
        "agencies": [
            agency("SO-A", "Sở A", "so-a.example.vn", [PORTAL_A, PORTAL_A2], a_policy),
            agency("SO-B", "Sở B", "so-b.example.vn", [PORTAL_B], b_policy),
        ],
    })


def request(inv: Inventory, **kwargs: Any) -> ScanRequest:
    return ScanRequest(inv, settings_for(inv, resolvers=("127.0.0.1:53",)), now=MONDAY_MORNING, **kwargs)


def planned(req: ScanRequest) -> PlannedScan:
    return asyncio.run(plan_scan(req, builtin_registry()))


WEEKEND_ONLY = {"windows": [{"days": ["sat", "sun"], "start": "08:00", "end": "17:00"}]}
NEW_YEAR_BLACKOUT = {"blackouts": [{"start": "2025-01-01T00:00:00+07:00",
                                    "end": "2025-01-10T00:00:00+07:00", "reason": "Tết"}]}


def test_every_agency_outside_its_window_plans_nothing_and_says_why() -> None:
    inv = inventory(WEEKEND_ONLY, NEW_YEAR_BLACKOUT)
    plan = planned(request(inv))
    assert plan.plan == ScanPlan()
    assert plan.skipped == {"SO-A": OUTSIDE, "SO-B": OUTSIDE}
    assert plan.warnings == ()


def test_a_skipped_agency_leaves_the_others_in_discovery() -> None:
    discovery, skipped = discovery_request(request(inventory(a_policy=WEEKEND_ONLY)))
    assert skipped == {"SO-A": OUTSIDE}
    assert {t.agency for t in discovery.targets} == {"SO-B"}
    assert discovery.ranges == {}  # SO-A's range is not port-scanned either


def test_ignore_windows_plans_every_agency() -> None:
    discovery, skipped = discovery_request(
        request(inventory(WEEKEND_ONLY, NEW_YEAR_BLACKOUT), ignore_windows=True))
    assert skipped == {}
    assert {(t.kind, t.name) for t in discovery.targets} == {
        (TargetKind.DOMAIN, "so-a.example.vn"), (TargetKind.DOMAIN, "so-b.example.vn"),
        (TargetKind.URL, PORTAL_A), (TargetKind.URL, PORTAL_A2), (TargetKind.URL, PORTAL_B)}
    assert discovery.ranges == {"192.0.2.0/29": "SO-A"}


def test_agency_filter_names_the_agencies_to_scan() -> None:
    discovery, skipped = discovery_request(request(inventory(), agencies=("SO-B",)))
    assert skipped == {}
    assert {t.agency for t in discovery.targets} == {"SO-B"}


def test_web_family_plans_the_portals_with_web_checks_only() -> None:
    plan = planned(request(inventory(), families=("web",))).plan
    assert {i.target.name for i in plan.items} == {PORTAL_A, PORTAL_A2, PORTAL_B}
    checks = {c for i in plan.items for c in i.checks}
    assert checks and all(c.startswith("web.") for c in checks)
    assert {i.options for i in plan.items} == {TargetOptions(role="portal")}


def test_target_filter_keeps_only_the_named_targets() -> None:
    key = Target(kind=TargetKind.URL, name=PORTAL_A2, agency="SO-A").key
    plan = planned(request(inventory(), families=("web.headers",), target_keys=(key,))).plan
    assert [i.target.key for i in plan.items] == [key]
    registry = builtin_registry().select(families=("web.headers",))
    assert set(plan.items[0].checks) == {s.id for s in registry.for_kind(TargetKind.URL)}


def test_check_filter_on_explicit_targets_plans_that_check_alone() -> None:
    target = Target(kind=TargetKind.DOMAIN, name="so-a.example.vn", agency="SO-A")
    inv = inventory()
    req = ScanRequest(None, settings_for(inv, resolvers=("127.0.0.1:53",)),
                      check_ids=("mail.spf.present",), targets=(target,))
    plan = planned(req)
    assert [(i.target, i.checks) for i in plan.plan.items] == [(target, ("mail.spf.present",))]
    assert plan.plan.items[0].options == TargetOptions(dkim_selectors=("s1",))
    assert list(plan.checks.checks) == ["mail.spf.present"]


def test_unknown_family_is_refused_before_planning() -> None:
    with pytest.raises(ValueError, match="webb"):
        planned(request(inventory(), families=("webb",)))


def test_settings_for_takes_scope_suffixes_and_options_from_the_inventory() -> None:
    inv = inventory()
    settings = settings_for(inv, resolvers=("127.0.0.1:5353",), dnsbl_zones=("bl.example.vn",),
                            ehlo_name="scanner.example.vn", ports="22,443", scan_rate=50.0)
    assert settings.resolvers == ("127.0.0.1:5353",)
    assert settings.mail.dnsbl_zones == ("bl.example.vn",)
    assert settings.mail.ehlo_name == "scanner.example.vn"
    assert settings.ports.ports == "22,443"
    assert settings.ports.rate == 50.0
    domain_a = Target(kind=TargetKind.DOMAIN, name="so-a.example.vn", agency="SO-A").key
    portal_b = Target(kind=TargetKind.URL, name=PORTAL_B, agency="SO-B").key
    assert settings.target_options[domain_a] == TargetOptions(dkim_selectors=("s1",))
    assert settings.target_options[portal_b] == TargetOptions(role="portal")
    scope = settings.scope.build()
    assert scope.allows_name("cong.so-a.example.vn")
    assert not scope.allows_name("example.com")


def test_settings_for_without_options_keeps_the_defaults() -> None:
    settings = settings_for(inventory(), resolvers=())
    assert settings.mail.dnsbl_zones == type(settings.mail)().dnsbl_zones
    assert settings.ports == type(settings.ports)()


@pytest.mark.parametrize(("declared", "given", "expected"), [
    (None, None, DEFAULT_DNSBL_ZONES),  # neither: the defaults
    (["bl.tinh.example.vn"], None, ("bl.tinh.example.vn",)),  # the inventory's
    (["bl.tinh.example.vn"], ("psbl.surriel.com",), ("psbl.surriel.com",)),  # --dnsbl-zone wins
    (["bl.tinh.example.vn"], (), ()),  # --no-dnsbl wins
    ([], None, ()),  # the inventory turns the check off
    ([], ("bl.spamcop.net",), ("bl.spamcop.net",)),  # ... and the command line on again
])
def test_blocklist_zones_come_from_the_command_line_then_the_inventory_then_the_defaults(
        declared: list[str] | None, given: tuple[str, ...] | None, expected: tuple[str, ...]) -> None:
    data = inventory().model_dump(mode="json", exclude_defaults=True)
    if declared is not None:
        data["mail"] = {"dnsbl_zones": declared}
    settings = settings_for(Inventory.model_validate(data), resolvers=(), dnsbl_zones=given)
    assert settings.mail.dnsbl_zones == expected


def test_a_bad_blocklist_zone_is_a_value_error() -> None:
    with pytest.raises(ValueError, match=r"'bl spamcop\.net' is not a DNS blocklist zone"):
        settings_for(inventory(), resolvers=(), dnsbl_zones=("bl spamcop.net",))
