"""A synthetic national inventory of any size, for the benchmark and the tests of scale.

Shaped like a real one at a national CERT: a few ministries and provinces, each province with
departments, districts and communes (communes under their district), every agency with a
contact, a domain and a portal, some with declared mail hosts, address ranges, their own scan
policy or a hosting provider. Written line by line, so a file of hundreds of thousands of
agencies is never held in memory. Deterministic: the same count gives the same file.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

DEPARTMENTS = ("STTTT", "SYT", "SGDDT", "STC", "SNV", "SKHDT", "STNMT", "SXD")
DEPARTMENT_NAMES = (
    "Sở Thông tin và Truyền thông",
    "Sở Y tế",
    "Sở Giáo dục và Đào tạo",
    "Sở Tài chính",
    "Sở Nội vụ",
    "Sở Kế hoạch và Đầu tư",
    "Sở Tài nguyên và Môi trường",
    "Sở Xây dựng",
)
DISTRICTS_PER_PROVINCE = 10
COMMUNES_PER_DISTRICT = 20
HEADER = """\
# A synthetic national inventory (canhgac.lab.large_inventory): {count} agencies.
version: 1
province: {{code: VN, name: "Cả nước (tổng hợp)"}}
scope:
  public_suffixes: [gov.test]
defaults:
  dkim_selectors: [mail2024]
  policy:
    windows: [{{start: "18:00", end: "07:00"}}]
agencies:
"""


def _agencies(count: int) -> Iterator[tuple[str, str, str, str | None, str]]:
    """(code, name, kind, parent, domain) for ``count`` agencies, parents always before children."""
    made = 0
    province = 0
    while made < count:
        province += 1
        root = f"P{province:03d}"
        root_domain = f"p{province:03d}.gov.test"
        yield root, f"Ủy ban nhân dân tỉnh số {province}", "other", None, root_domain
        made += 1
        provider = f"{root}-VNPT"
        if made < count:
            yield provider, f"VNPT tỉnh số {province}", "provider", None, f"vnpt.{root_domain}"
            made += 1
        for code, name in zip(DEPARTMENTS, DEPARTMENT_NAMES, strict=True):
            if made >= count:
                return
            yield f"{root}-{code}", name, "department", root, f"{code.lower()}.{root_domain}"
            made += 1
        for district in range(1, DISTRICTS_PER_PROVINCE + 1):
            if made >= count:
                return
            dcode = f"{root}-H{district:02d}"
            ddomain = f"h{district:02d}.{root_domain}"
            yield dcode, f"Ủy ban nhân dân huyện số {district}", "district", root, ddomain
            made += 1
            for commune in range(1, COMMUNES_PER_DISTRICT + 1):
                if made >= count:
                    return
                yield (
                    f"{dcode}-X{commune:02d}",
                    f"Ủy ban nhân dân xã số {commune}",
                    "commune",
                    dcode,
                    f"x{commune:02d}.{ddomain}",
                )
                made += 1


def write_agency(
    out: TextIO, i: int, code: str, name: str, kind: str, parent: str | None, domain: str
) -> None:
    """One agency in block style, with what every i-th agency of a real file has besides."""
    out.write(f'  - code: {code}\n    name: "{name}"\n    kind: {kind}\n')
    if parent is not None:
        out.write(f"    parent: {parent}\n")
    out.write(
        f'    contacts: [{{name: "Cán bộ {i}", role: "Cán bộ CNTT", email: "cntt@{domain}", '
        f'phone: "0297 {i % 10_000_000:07d}"}}]\n'
    )
    if i % 5 == 0:
        out.write(
            f"    domains:\n      - name: {domain}\n        dkim_selectors: [mail2024, default]\n"
            f"        mail_hosts: [{{host: mail.{domain}, ports: [25, 587]}}]\n"
        )
    else:
        out.write(f"    domains: [{domain}]\n")
    out.write(f'    portals: ["https://{domain}/"]\n')
    if i % 10 == 0:
        out.write(f'    ranges: ["10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}/32"]\n')
    if kind == "commune" and i % 3 == 0:
        out.write(f"    hosted_by: {code.split('-')[0]}-VNPT\n")
    if i % 50 == 0:
        out.write(
            '    policy: {timezone: Asia/Ho_Chi_Minh, windows: [{days: [sat, sun], start: "08:00", '
            'end: "17:00"}], intrusive_probes: false}\n'
        )
    if i % 7 == 0:
        out.write("    tags: [synthetic]\n")


def write_inventory(path: Path, count: int) -> Path:
    """Write an inventory of ``count`` agencies to ``path`` (valid: ``inventory check`` passes)."""
    with path.open("w", encoding="utf-8") as out:
        out.write(HEADER.format(count=count))
        for i, (code, name, kind, parent, domain) in enumerate(_agencies(count)):
            write_agency(out, i, code, name, kind, parent, domain)
    return path
