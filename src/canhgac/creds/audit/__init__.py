"""The password-policy audit (issue 16, item 5): weak, shared, empty and name-like passwords in an
agency's own exports (a directory's NTLM dump, a mail server's passwd-file), computed locally.

The files are only read. Findings name the account and the kind (with pwned counts and shared
group sizes); no password, hash or hash prefix ever reaches a report or a log. docs/credentials.md.
"""

from __future__ import annotations

from canhgac.creds.audit.agencies import AgencyMap, Placement
from canhgac.creds.audit.candidates import COMMON_SOURCE, common_passwords, default_suffixes, name_variants
from canhgac.creds.audit.engine import (
    KINDS,
    AccountResult,
    AuditError,
    AuditOptions,
    AuditReport,
    Finding,
    audit_files,
    open_pwned,
)
from canhgac.creds.audit.report import CSV_COLUMNS, as_dict, to_csv, to_json

__all__ = [
    "COMMON_SOURCE",
    "CSV_COLUMNS",
    "KINDS",
    "AccountResult",
    "AgencyMap",
    "AuditError",
    "AuditOptions",
    "AuditReport",
    "Finding",
    "Placement",
    "as_dict",
    "audit_files",
    "common_passwords",
    "default_suffixes",
    "name_variants",
    "open_pwned",
    "to_csv",
    "to_json",
]
