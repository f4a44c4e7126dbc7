"""The built-in checks and collectors: one explicit list of modules, no discovery magic.

Each check module is named after the family of its checks (``mail_tls`` holds ``mail.tls``);
the registry takes a check's family from its module, the contract test holds the catalog's
``family`` field to it.
"""

from __future__ import annotations

import importlib
from functools import cache

from canhgac.engine.registry import Registry, build_registry

CHECK_MODULES: tuple[str, ...] = (
    "canhgac.engine.collectors.spf",
    "canhgac.engine.collectors.mail_domain",
    "canhgac.engine.collectors.zone",
    "canhgac.engine.collectors.mail_tls",
    "canhgac.engine.collectors.smtp",
    "canhgac.engine.collectors.mailbox",
    "canhgac.engine.collectors.dnsbl",
    "canhgac.engine.collectors.mta_sts_policy",
    "canhgac.engine.collectors.webmail",
    "canhgac.engine.collectors.web_transport",
    "canhgac.engine.collectors.web_headers",
    "canhgac.engine.collectors.web_exposure",
    "canhgac.engine.collectors.web_hygiene",
    "canhgac.engine.collectors.web_components",
    "canhgac.engine.collectors.services",
    "canhgac.engine.collectors.creds",
    "canhgac.engine.collectors.sweep",
    "canhgac.engine.checks.mail_mx",
    "canhgac.engine.checks.mail_spf",
    "canhgac.engine.checks.mail_dmarc",
    "canhgac.engine.checks.mail_dkim",
    "canhgac.engine.checks.mail_transport",
    "canhgac.engine.checks.dns_zone",
    "canhgac.engine.checks.mail_tls",
    "canhgac.engine.checks.mail_smtp",
    "canhgac.engine.checks.mail_access",
    "canhgac.engine.checks.mail_dnsbl",
    "canhgac.engine.checks.mail_webmail",
    "canhgac.engine.checks.web_transport",
    "canhgac.engine.checks.web_headers",
    "canhgac.engine.checks.web_exposure",
    "canhgac.engine.checks.web_hygiene",
    "canhgac.engine.checks.web_components",
    "canhgac.engine.checks.net_services",
    "canhgac.engine.checks.net_database",
    "canhgac.engine.checks.net_ssh",
    "canhgac.engine.checks.net_vulns",
    "canhgac.engine.checks.net_drift",
    "canhgac.engine.checks.creds_leak",
    "canhgac.engine.checks.sweep_host",
)


@cache
def builtin_registry() -> Registry:
    """Every built-in check, with the collectors they need. Fails loudly on a broken module."""
    return build_registry(importlib.import_module(name) for name in CHECK_MODULES)
