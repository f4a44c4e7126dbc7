"""The [watch.scans] table: nightly by default at 01:30, a time, agencies and thresholds; a
mistake is one line naming the key."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from canhgac.watch.channel_config import ChannelConfigError, channel_config


def test_no_table_schedules_nothing_and_an_empty_one_is_nightly_at_half_past_one(tmp_path: Path) -> None:
    assert channel_config({}, base=tmp_path, environ={}).scans is None
    scans = channel_config({"scans": {}}, base=tmp_path, environ={}).scans
    assert scans is not None and scans.enabled and scans.at_time == time(1, 30)
    assert scans.min_severity == "critical" and scans.exposed_families == ("net",) and scans.agencies == ()


def test_the_keys_are_read_with_their_dashes(tmp_path: Path) -> None:
    table = {"scans": {"at": "23:05", "agencies": ["SO-A"], "min-severity": "high",
                       "exposed-families": ["net.services"], "findings-interval": 30, "enabled": False}}
    scans = channel_config(table, base=tmp_path, environ={}).scans
    assert scans is not None and scans.at_time == time(23, 5) and scans.agencies == ("SO-A",)
    assert (scans.min_severity, scans.exposed_families, scans.findings_interval, scans.enabled) == (
        "high", ("net.services",), 30, False)


@pytest.mark.parametrize(("scans", "key"), [
    ({"at": "1:30"}, "at"), ({"at": "24:00"}, "at"), ({"min-severity": "urgent"}, "min-severity"),
    ({"findings-interval": 1}, "findings-interval"), ({"every": "night"}, "every"),
])
def test_a_mistake_is_one_line_naming_the_key(tmp_path: Path, scans: dict[str, object], key: str) -> None:
    with pytest.raises(ChannelConfigError) as caught:
        channel_config({"scans": scans}, base=tmp_path, environ={})
    assert key in str(caught.value) and "\n" not in str(caught.value)


def test_watch_run_and_serve_say_the_schedule_in_one_line(tmp_path: Path) -> None:
    from canhgac.i18n import language
    from canhgac.services.watch_scans import scans_line

    assert scans_line(channel_config({}, base=tmp_path, environ={})) is None
    off = channel_config({"scans": {"enabled": False}}, base=tmp_path, environ={})
    assert scans_line(off) is None
    on = channel_config({"scans": {"at": "02:15"}}, base=tmp_path, environ={})
    with language("en"):
        line = scans_line(on)
    assert line is not None and "every night at 02:15" in line and "critical" in line
    with language("vi"):
        assert "02:15" in (scans_line(on) or "") and scans_line(on) != line


def test_an_agency_can_have_its_own_nightly_time(tmp_path: Path) -> None:
    table = {"scans": {"at": "01:30", "times": {"SO-YTE": "03:45"}}}
    scans = channel_config(table, base=tmp_path, environ={}).scans
    assert scans is not None and scans.time_for("SO-YTE") == time(3, 45)
    assert scans.time_for("SO-A") == time(1, 30)
    with pytest.raises(ChannelConfigError) as caught:
        channel_config({"scans": {"times": {"SO-YTE": "3:45"}}}, base=tmp_path, environ={})
    assert "times" in str(caught.value) and "\n" not in str(caught.value)
