"""Issue 10 item 3 and 7: the scan plan is a JSON value resolved through the registry only when
run; settings group collector options by family and still read settings stored before."""

from __future__ import annotations

import pytest
from test_registry_and_runner import make_module, settings, targets

from canhgac.engine.context import CollectContext
from canhgac.engine.options import DEFAULT_DNSBL_ZONES, MailOptions, TargetOptions
from canhgac.engine.plan import PlanError, PlanItem, ScanPlan
from canhgac.engine.registry import build_registry
from canhgac.engine.results import ErrorReason, Status
from canhgac.engine.runner import run_scan
from canhgac.engine.settings import ScanSettings
from canhgac.engine.targets import Target, TargetKind


def test_a_plan_round_trips_through_json_with_options_and_check_ids() -> None:
    registry = build_registry([make_module({})])
    options = {"domain:a.gov.test": TargetOptions(dkim_selectors=("s1",), ports=(25, 587))}
    plan = ScanPlan.build(registry, targets("a.gov.test", "b.gov.test"), options)
    text = plan.model_dump_json()
    assert ScanPlan.model_validate_json(text) == plan
    first = plan.items[0]
    assert first.checks == ("demo.word.short", "demo.other.even")
    assert first.options.ports == (25, 587)
    assert plan.target_options() == options  # defaults left out
    assert [len(s.items) for s in plan.shards(1)] == [1, 1]


async def test_a_plan_from_json_runs_through_another_registry_to_the_same_results() -> None:
    plan = ScanPlan.build(build_registry([make_module({})]), targets("a.gov.test", "very-long-name.gov.test"))
    fresh = build_registry([make_module({})])  # as a worker would build it: other function objects
    direct = await run_scan(plan, settings(), fresh)
    again = await run_scan(ScanPlan.model_validate_json(plan.model_dump_json()), settings(), fresh)

    def key(rs: list) -> set[tuple[str, str, Status, str]]:  # type: ignore[type-arg]
        return {(r.check_id, r.target.key, r.status, r.message.key) for r in rs}

    assert key(direct) == key(again) and len(again) == 4


async def test_a_plan_naming_an_unknown_check_gives_error_results_not_a_crash() -> None:
    registry = build_registry([make_module({})])
    item = PlanItem(target=Target(kind=TargetKind.DOMAIN, name="a.gov.test", agency="A"),
                    checks=("demo.word.short", "demo.gone"))
    with pytest.raises(PlanError, match=r"demo\.gone"):
        item.specs(registry)
    results = await run_scan(ScanPlan(items=(item,)), settings(), registry)
    assert [(r.check_id, r.status, r.error_reason) for r in results] == [
        ("demo.word.short", Status.ERROR, ErrorReason.INTERNAL),
        ("demo.gone", Status.ERROR, ErrorReason.INTERNAL),
    ]


def test_settings_stored_before_the_option_groups_are_read_into_their_groups() -> None:
    stored = {"resolvers": ["127.0.0.1:5353"], "ehlo_name": "scanner.csirt.test",
              "dnsbl_zones": ["bl.lab.test"], "user_agent": "old-agent",
              "port_scan": {"ports": "22,80", "rate": 50.0}}
    read = ScanSettings.model_validate(stored)
    assert read.mail.ehlo_name == "scanner.csirt.test" and read.mail.dnsbl_zones == ("bl.lab.test",)
    assert read.web.user_agent == "old-agent"
    assert read.ports.rate == 50.0
    assert ScanSettings.model_validate_json(read.model_dump_json()) == read
    assert ScanSettings().mail == MailOptions() and ScanSettings().mail.dnsbl_zones == DEFAULT_DNSBL_ZONES


def test_a_flat_field_beside_its_group_overrides_it() -> None:
    # what ``retest --ehlo-name`` does to the stored settings: the override must win
    stored = ScanSettings(mail=MailOptions(ehlo_name="old.csirt.test")).model_dump()
    read = ScanSettings.model_validate({**stored, "ehlo_name": "new.csirt.test", "user_agent": "new-agent",
                                        "dnsbl_zones": ["bl.lab.test"]})
    assert read.mail.ehlo_name == "new.csirt.test" and read.mail.dnsbl_zones == ("bl.lab.test",)
    assert read.web.user_agent == "new-agent"


async def test_the_context_holds_the_settings_and_typed_run_resources() -> None:
    chosen = ScanSettings(resolvers=("127.0.0.1:1",), mail=MailOptions(ehlo_name="scanner.test"))
    ctx = CollectContext.from_settings(chosen)
    assert ctx.mail.ehlo_name == "scanner.test" and ctx.net is chosen.net and ctx.settings is chosen

    class Counter:
        def __init__(self) -> None:
            self.n = 0

    first = ctx.resources.get(Counter, Counter)
    first.n += 1
    assert ctx.resources.get(Counter, Counter).n == 1  # one per run, typed
    narrowed = ctx.with_options({"domain:a.gov.test": TargetOptions(role="webmail")})
    assert narrowed.resources is ctx.resources and narrowed.dns is ctx.dns
    assert narrowed.options_for("domain:a.gov.test").role == "webmail"
    closed: list[str] = []

    async def close() -> None:
        closed.append("x")

    narrowed.on_close(close)
    await ctx.aclose()
    assert closed == ["x"]
