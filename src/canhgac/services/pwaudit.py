"""The password-policy audit for the CLI: a facade over ``canhgac.creds.audit``."""

from __future__ import annotations

from canhgac.creds.audit import (
    COMMON_SOURCE,
    KINDS,
    AccountResult,
    AgencyMap,
    AuditError,
    AuditOptions,
    AuditReport,
    Finding,
    audit_files,
    default_suffixes,
    open_pwned,
    to_csv,
    to_json,
)

__all__ = [
    "COMMON_SOURCE",
    "KINDS",
    "AccountResult",
    "AgencyMap",
    "AuditError",
    "AuditOptions",
    "AuditReport",
    "Finding",
    "audit_files",
    "default_suffixes",
    "open_pwned",
    "to_csv",
    "to_json",
]
