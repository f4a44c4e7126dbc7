"""A demo-like report input without the lab: the demo's inventory, every failure the demo's lab
plants (the lab's own EXPECTED lists), and a pass for every other automated domain check of each
declared domain. Built in memory in a fraction of a second, so grading properties can be tested
over a realistic province (12 agencies, about a hundred findings of every severity)."""

from __future__ import annotations

import ipaddress
import string
from functools import cache
from urllib.parse import urlsplit

from report_builders import report, result

from canhgac.catalog import Catalog, Mode, load_catalog
from canhgac.engine.results import CheckResult, Status
from canhgac.engine.targets import TargetKind
from canhgac.inventory.loader import loads_inventory
from canhgac.lab.mail_lab import EXPECTED as MAIL_EXPECTED
from canhgac.lab.province import EXPECTED_FINDINGS as DNS_EXPECTED
from canhgac.lab.province import inventory_yaml
from canhgac.lab.services_plan import EXPECTED as SERVICES_EXPECTED
from canhgac.lab.services_plan import HOSTS as SERVICE_HOSTS
from canhgac.lab.web_plan import EXPECTED as WEB_EXPECTED
from canhgac.reports.model import ReportAgency, ReportInput

PLANTED = DNS_EXPECTED + MAIL_EXPECTED + WEB_EXPECTED + SERVICES_EXPECTED


def _owner(name: str, domains: dict[str, str]) -> str:
    """The agency whose declared domain holds ``name`` (a domain, host name, URL or address)."""
    try:
        ipaddress.ip_address(name)
    except ValueError:
        host = urlsplit(name).hostname if "://" in name else name
        assert host is not None
        matches = [d for d in domains if host == d or host.endswith("." + d)]
        return domains[max(matches, key=len)]
    return next(h.agency for h in SERVICE_HOSTS if h.address == name)


def _message(catalog: Catalog, check_id: str, fail: bool) -> tuple[str, dict[str, str]]:
    """A message key of the check for a failure (any key but ``pass``) or a pass, with every
    placeholder filled."""
    messages = catalog.check(check_id).messages
    keys = [k for k in sorted(messages) if (k != "pass") is fail] or sorted(messages)
    text = messages[keys[0]]
    names = {n for t in (text.vi, text.en) for _, n, _, _ in string.Formatter().parse(t) if n}
    return keys[0], {n: "x" for n in names}


@cache
def demo_like(lang: str = "vi") -> ReportInput:
    catalog: Catalog = load_catalog()
    inventory = loads_inventory(inventory_yaml())
    domains = {d.name: a.code for a in inventory.agencies for d in a.domains}
    results: list[CheckResult] = []
    failed: set[tuple[str, str]] = set()
    for check_id, name in PLANTED:
        kind = TargetKind(catalog.check(check_id).target)
        key, values = _message(catalog, check_id, fail=True)
        results.append(result(check_id, _owner(name, domains), Status.FAIL, key=key, target=name,
                              kind=kind, **values))
        failed.add((check_id, name))
    domain_checks = [c.id for c in catalog.checks.values()
                     if c.mode is Mode.AUTOMATED and c.target == "domain"]
    for domain, code in domains.items():
        for check_id in domain_checks:
            if (check_id, domain) not in failed:
                key, values = _message(catalog, check_id, fail=False)
                results.append(result(check_id, code, Status.PASS, key=key, target=domain, **values))
    base = report(results, lang=lang)
    agencies = tuple(ReportAgency(code=a.code, name=a.name, kind=a.kind.value, parent=a.parent)
                     for a in inventory.agencies)
    return base.model_copy(update={"agencies": agencies})
