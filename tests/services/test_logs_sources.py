"""Whose logs are these (``services.log_sources``): the inventory's declared log sources, files
by path or glob, syslog senders by address or host name, ``--agency`` for every file; a file of
no agency or of two is refused in one line. And the inventory's ``logs:`` field's own rules."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from canhgac.i18n import language
from canhgac.inventory.loader import loads_inventory
from canhgac.services.inventory import InventoryError
from canhgac.services.log_sources import (
    AttributionError,
    agency_of_sender,
    agency_of_stream,
    attribute_files,
    declared_sources,
    source_for_file,
)

WHEN = datetime(2026, 12, 7, 8, 0)
INVENTORY = """version: 1
province: {code: PT, name: "Tỉnh Thử"}
agencies:
  - code: SO-A
    name: "Sở A"
    kind: department
    logs:
      - {path: "/var/log/so-a/access.log*", format: nginx, name: "cổng thông tin"}
      - {syslog: "10.0.0.5", format: postfix}
      - {syslog: "Mail.So-A.gov.vn."}
  - code: SO-B
    name: "Sở B"
    kind: department
    logs:
      - {path: "/srv/b/*/auth.log", format: sshd, timezone: UTC}
      - {path: "/shared/both.log"}
  - code: SO-C
    name: "Sở C"
    kind: department
    logs:
      - {path: "/shared/both.log"}
"""


def _sources() -> tuple:  # type: ignore[type-arg]
    return declared_sources(loads_inventory(INVENTORY))


def test_files_are_attributed_by_their_declared_path_or_glob() -> None:
    sources = _sources()
    assert source_for_file(Path("/var/log/so-a/access.log.1"), sources).agency == "SO-A"
    found = source_for_file(Path("/srv/b/web01/auth.log"), sources)
    assert (found.agency, found.fmt, found.tz.utcoffset(WHEN)) == ("SO-B", "sshd", timedelta(0))
    [a] = attribute_files([Path("/var/log/so-a/access.log")], sources, agency=None, fmt=None, tz=None)
    assert (a.agency, a.fmt, a.tz.utcoffset(WHEN)) == ("SO-A", "nginx", timedelta(hours=7))


def test_a_file_of_no_agency_or_of_two_is_refused_in_one_line() -> None:
    sources = _sources()
    with pytest.raises(AttributionError) as none:
        source_for_file(Path("/tmp/other.log"), sources)
    assert "--agency" in str(none.value) and "\n" not in str(none.value)
    with pytest.raises(AttributionError) as two:
        source_for_file(Path("/shared/both.log"), sources)
    assert "SO-B, SO-C" in str(two.value)


def test_the_agency_given_wins_and_the_command_line_reading_too() -> None:
    sources = _sources()
    [a, b] = attribute_files([Path("/tmp/x.log"), Path("/var/log/so-a/access.log")], sources, agency="SO-B",
                             fmt="apache", tz=None)
    assert (a.agency, a.fmt, b.agency, b.fmt) == ("SO-B", "apache", "SO-B", "apache")


def test_syslog_streams_are_attributed_by_their_sender() -> None:
    sources = _sources()
    assert agency_of_sender("10.0.0.5", sources) == "SO-A"
    assert agency_of_sender("mail.so-a.gov.vn", sources) == "SO-A"
    assert agency_of_stream("syslog:10.0.0.5/postfix/smtpd", sources) == "SO-A"
    assert agency_of_stream("syslog:10.9.9.9/sshd", sources) is None
    assert agency_of_stream("syslog:10.9.9.9/sshd", sources, "SO-C") == "SO-C"
    assert agency_of_stream("/var/log/so-a/access.log", sources) == "SO-A"


@pytest.mark.parametrize("entry, words", [
    ('{path: "relative.log"}', "absolute path"),
    ('{syslog: "a b"}', "syslog sender"),
    ('{path: "/x.log", syslog: "10.0.0.1"}', "either"),
    ("{format: nginx}", "either"),
    ('{path: "/x.log", format: "NGINX!"}', "log format"),
    ('{path: "/x.log", timezone: "Mars/Base"}', "time zone"),
])
def test_a_broken_log_source_is_a_clear_inventory_problem(entry: str, words: str) -> None:
    text = f"""version: 1
province: {{code: PT, name: "P"}}
agencies:
  - {{code: SO-A, name: "A", kind: department, logs: [{entry}]}}
"""
    with language("en"), pytest.raises(InventoryError) as caught:
        loads_inventory(text)
    assert words in str(caught.value) and "logs" in str(caught.value)
