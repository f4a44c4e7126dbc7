"""The loopback guard refuses traffic to any other host (the suite runs under it)."""

from __future__ import annotations

import socket

import pytest

from canhgac.netguard import NetworkGuardError


@pytest.mark.parametrize("addr", ["192.0.2.1", "10.0.0.1", "8.8.8.8", "2001:db8::1"])
def test_udp_and_tcp_to_other_hosts_refused(addr: str) -> None:
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as s, pytest.raises(NetworkGuardError):
        s.sendto(b"x", (addr, 53))
    with socket.socket(family, socket.SOCK_STREAM) as s, pytest.raises(NetworkGuardError):
        s.connect((addr, 53))


def test_name_resolution_of_other_hosts_refused() -> None:
    with pytest.raises(NetworkGuardError):
        socket.getaddrinfo("example.com", 443)


def test_loopback_allowed() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.sendto(b"x", ("127.0.0.1", 9))
    socket.getaddrinfo("localhost", 80)
