"""Synthetic breach files for the breach-import tests: random addresses and passwords, a few in
the test province's domains. Never real data."""

from __future__ import annotations

import json
import random
import string
from dataclasses import dataclass, field
from pathlib import Path

# the province of the tests: declared domain -> agency (an alias and an IDN domain among them)
OWNERS = {
    "stttt.kiengiang.gov.vn": "STTTT",
    "syt.kiengiang.gov.vn": "SYT",
    "soyte-kg.vn": "SYT",  # an alias of SYT's mail domain
    "sở-tài-chính.vn": "STC",  # IDN, declared in Unicode
}
AGENCY_ADDRESSES = [
    "nguyen.van.a@stttt.kiengiang.gov.vn",
    "TRAN.B@STTTT.KIENGIANG.GOV.VN",  # upper case
    "le.c@mail.syt.kiengiang.gov.vn",  # a subdomain
    "pham.d@soyte-kg.vn",  # the alias
    "ketoan@xn--s-ti-chnh-s1a1mq649a.vn",  # the IDN domain in punycode
    "thuquy@sở-tài-chính.vn",  # and in Unicode
]
OUTSIDERS = [
    "a@stttt.kiengiang.gov.vn.evil.example",  # look-alike: the domain is a prefix
    "b@xstttt.kiengiang.gov.vn",  # look-alike: a longer label
    "c@kiengiang.gov.vn",  # the parent, not declared
    "d@soyte-kg.vn.example.com",
    "e@gmail.com",
]
FREE = ["gmail.com", "yahoo.com", "hotmail.com", "outlook.com", "mail.ru", "qq.com"]


def secret(rnd: random.Random) -> str:
    return "".join(
        rnd.choice(string.ascii_letters + string.digits + "!#%&") for _ in range(rnd.randint(8, 14))
    )


@dataclass
class Synthetic:
    """A generated file and what it holds."""

    path: Path
    lines: int
    passwords: list[str] = field(default_factory=list)  # every plaintext written
    agency_accounts: set[str] = field(default_factory=set)


def combo(path: Path, *, lines: int = 5000, seed: int = 7, shared: str | None = None) -> Synthetic:
    """``email:password`` and ``email;password`` lines; every agency address once, two with
    ``shared`` as password when given; a few malformed and binary lines."""
    rnd = random.Random(seed)
    out = Synthetic(path, 0)
    rows: list[bytes] = []
    for i in range(lines):
        pw = secret(rnd)
        out.passwords.append(pw)
        sep = ";" if i % 3 == 0 else ":"
        rows.append(f"user{i}@{rnd.choice(FREE)}{sep}{pw}".encode())
    for n, address in enumerate(AGENCY_ADDRESSES + OUTSIDERS):
        pw = shared if shared is not None and n in (0, 2) else secret(rnd)
        out.passwords.append(pw)
        rows.insert(rnd.randrange(len(rows)), f"{address}:{pw}".encode())
    rows.insert(10, b"no address here")
    rows.insert(20, b"\xff\xfe\x00binary@stttt.kiengiang.gov.vn\x00")
    rows.insert(30, b"broken@stttt.kiengiang.gov.vn")  # no separator
    path.write_bytes(b"\n".join(rows) + b"\n")
    out.lines = len(rows)
    return out


def jsonl(path: Path, *, seed: int = 8) -> Synthetic:
    """Breach-notification lines (HIBP's field names) and generic ones with a password."""
    rnd = random.Random(seed)
    out = Synthetic(path, 0)
    rows = [
        json.dumps(
            {
                "Email": "nguyen.van.a@stttt.kiengiang.gov.vn",
                "Breach": "Facebook2019",
                "Domain": "facebook.com",
                "BreachDate": "2019-04-03",
                "DataClasses": ["Emails"],
            }
        )
    ]
    pw = secret(rnd)
    out.passwords.append(pw)
    rows.append(
        json.dumps(
            {
                "email": "le.c@syt.kiengiang.gov.vn",
                "password": pw,
                "breach": "Forum X",
                "date": "2016-01-02",
                "service": "voz.vn",
            }
        )
    )
    rows.append(json.dumps({"email": "x@gmail.com", "password": secret(rnd)}))
    rows.append("[not an object, stttt.kiengiang.gov.vn]")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out.lines = len(rows)
    return out


def csv_export(path: Path, *, seed: int = 9) -> Synthetic:
    rnd = random.Random(seed)
    out = Synthetic(path, 0)
    rows = ["site;E-mail;Password"]
    for address in ("pham.d@soyte-kg.vn", "someone@yahoo.com"):
        pw = secret(rnd)
        out.passwords.append(pw)
        rows.append(f"tinhte.vn;{address};{pw}")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out.lines = len(rows)
    return out


INVENTORY = """version: 1
province: {code: KG, name: Kiên Giang}
agencies:
  - {code: STTTT, name: Sở TTTT, kind: department, domains: [stttt.kiengiang.gov.vn]}
  - code: SYT
    name: Sở Y tế
    kind: department
    domains: [{name: syt.kiengiang.gov.vn, aliases: [soyte-kg.vn]}]
  - {code: STC, name: Sở Tài chính, kind: department, domains: [sở-tài-chính.vn]}
"""
