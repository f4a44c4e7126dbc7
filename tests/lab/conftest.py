"""Fixtures for the lab's own tests: a random loopback address and a small example zone."""

from __future__ import annotations

import random

import pytest

LONG_TXT = "".join(chr(ord("a") + i % 26) for i in range(4000))

EXAMPLE_ZONE = f"""$TTL 3600
@        SOA   ns1 hostmaster 2024010101 3600 900 1209600 300
@        NS    ns1
@        NS    ns2
ns1      A     127.0.0.11
ns2      A     127.0.0.12
@        A     127.0.0.10
@        AAAA  ::1
@        MX    10 mail
@        TXT   "v=spf1 mx -all"
@        CAA   0 issue "letsencrypt.org"
mail     A     127.0.0.25
www      CNAME web
web      CNAME mail
away     CNAME www.other.test.
outside  CNAME host.elsewhere.invalid.
loop1    CNAME loop2
loop2    CNAME loop1
a.b.c    TXT   "deep"
*.wild   TXT   "wildcard"
long     TXT   {" ".join(f'"{LONG_TXT[i : i + 255]}"' for i in range(0, len(LONG_TXT), 255))}
child    NS    ns.child
ns.child A     127.0.0.53
away-sub NS    ns.away-sub
ns.away-sub A  127.0.0.54
"""

CHILD_ZONE = """$TTL 3600
@    SOA  ns.child.example.gov.test. hostmaster 7 3600 900 1209600 300
@    NS   ns
ns   A    127.0.0.53
host A    127.0.0.80
"""

OTHER_ZONE = """$TTL 3600
@    SOA  ns hostmaster 1 3600 900 1209600 300
@    NS   ns
ns   A    127.0.0.99
www  A    127.0.0.98
"""

ZONES = {
    "example.gov.test": EXAMPLE_ZONE,
    "child.example.gov.test": CHILD_ZONE,
    "other.test": OTHER_ZONE,
}


@pytest.fixture
def address() -> str:
    """A random 127.x.y.z address outside the ranges the demo province uses."""
    rng = random.Random()
    return f"127.{rng.randint(100, 199)}.{rng.randint(0, 255)}.{rng.randint(1, 250)}"


@pytest.fixture
def example_zones() -> dict[str, str]:
    return dict(ZONES)


@pytest.fixture
def long_txt() -> str:
    return LONG_TXT
