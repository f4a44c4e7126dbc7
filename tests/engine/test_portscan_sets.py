"""Port specifications: named sets, single ports, ranges, and clear errors for everything else."""

from __future__ import annotations

import pytest

from canhgac.engine.port_sets import (
    NAMED_SETS,
    TOP_RISKY,
    UDP_SERVICES,
    PortSpecError,
    parse_ports,
    service_name,
)


def test_explicit_ports_and_ranges() -> None:
    ports = parse_ports("22,80,8000-8100")
    assert ports[:2] == (22, 80) and ports[2:] == tuple(range(8000, 8101)) and len(ports) == 103
    assert parse_ports(" 443 22  22,80 ") == (22, 80, 443)
    assert parse_ports("8000 - 8002") == (8000, 8001, 8002)
    assert parse_ports("1-1,65535") == (1, 65535)


def test_named_sets() -> None:
    risky = parse_ports("top-risky")
    for port in (21, 22, 23, 139, 445, 1433, 2375, 3306, 3389, 5432, 5900, 6379, 9200, 11211, 27017):
        assert port in risky
    assert 161 not in risky and 123 not in risky  # UDP services are probed, not scanned
    assert set(UDP_SERVICES) == {53, 123, 161, 11211}
    assert parse_ports("TOP-RISKY") == risky
    assert parse_ports("all") == tuple(range(1, 65536))
    web_mail = parse_ports("web,mail,3389")
    assert {80, 443, 8080, 8443, 25, 587, 993, 3389} <= set(web_mail)
    assert parse_ports("web,80") == parse_ports("web")
    assert set(NAMED_SETS) == {"top-risky", "web", "mail", "all"}
    assert all(name for name in TOP_RISKY.values())
    assert service_name(445) == "smb" and service_name(3389) == "rdp" and service_name(4) == ""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty port specification"),
        (" , ", "empty port specification"),
        ("0", "port 0 in '0' is outside 1-65535"),
        ("70000", "outside 1-65535"),
        ("80-70", "runs backwards"),
        ("22,smb", "'smb' is neither a port, a range"),
        ("22;80", "neither a port"),
        ("-80", "neither a port"),
        ("1-2-3", "neither a port"),
        ("123456", "neither a port"),
        ("8000-99999", "outside 1-65535"),
    ],
)
def test_errors_name_the_bad_item(text: str, message: str) -> None:
    with pytest.raises(PortSpecError, match=message):
        parse_ports(text)
    assert issubclass(PortSpecError, ValueError)
