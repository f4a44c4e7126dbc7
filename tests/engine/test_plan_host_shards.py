"""``ScanPlan.host_shards`` (issue 19): shards of about N targets, every target of one host in
one shard, so workers side by side never scan one server from two shards."""

from __future__ import annotations

import pytest

from canhgac.engine.plan import PlanItem, ScanPlan, host_of
from canhgac.engine.targets import Target, TargetKind


def _item(kind: TargetKind, name: str) -> PlanItem:
    return PlanItem(target=Target(kind=kind, name=name, agency="A"), checks=("x.y",))


def test_a_domain_and_its_portal_share_a_shard() -> None:
    items = (
        _item(TargetKind.DOMAIN, "a.gov.test"),
        _item(TargetKind.DOMAIN, "b.gov.test"),
        _item(TargetKind.URL, "https://A.gov.test/portal"),
        _item(TargetKind.DOMAIN, "c.gov.test"),
        _item(TargetKind.URL, "https://b.gov.test:8443/"),
    )
    shards = ScanPlan(items=items).host_shards(2)
    keys = [[i.target.key for i in s.items] for s in shards]
    assert keys == [
        ["domain:a.gov.test", "url:https://A.gov.test/portal"],
        ["domain:b.gov.test", "url:https://b.gov.test:8443/"],
        ["domain:c.gov.test"],
    ]
    assert sorted(k for shard in keys for k in shard) == sorted(i.target.key for i in items)


def test_shards_pack_hosts_up_to_the_size_and_a_big_host_stands_alone() -> None:
    items = tuple(_item(TargetKind.DOMAIN, f"d{i}.gov.test") for i in range(5)) + tuple(
        _item(TargetKind.URL, f"https://big.gov.test/{i}") for i in range(4))
    sizes = [len(s.items) for s in ScanPlan(items=items).host_shards(3)]
    assert sizes == [3, 2, 4]  # the big host's 4 targets are not split
    assert ScanPlan().host_shards(3) == []


def test_host_of_each_kind() -> None:
    assert host_of(Target(kind=TargetKind.MAIL_HOST, name="Mx.Gov.Test.", agency="A")) == "mx.gov.test"
    assert host_of(Target(kind=TargetKind.SERVICE, name="10.0.0.1", port=22, agency="A")) == "10.0.0.1"
    assert host_of(Target(kind=TargetKind.HOST, name="10.0.0.1", agency="A")) == "10.0.0.1"


def test_a_shard_holds_at_least_one_target() -> None:
    with pytest.raises(ValueError, match="at least one"):
        ScanPlan().host_shards(0)


def test_shards_round_trip_through_json() -> None:
    items = tuple(_item(TargetKind.DOMAIN, f"d{i}.gov.test") for i in range(4))
    for shard in ScanPlan(items=items).host_shards(3):
        assert ScanPlan.model_validate_json(shard.model_dump_json()) == shard
