"""The lab's certificates: one CA per process and leaf certificates with planted faults.

Mail, web and service servers all take their certificates from here, so one CA signs the whole
lab and a scan trusts it through one PEM.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache

from canhgac.lab.names import ORG
from canhgac.lab.pki import KeyKind, LabCA


@dataclass(frozen=True)
class CertSpec:
    expired: bool = False
    self_signed: bool = False
    wrong_name: bool = False
    expiring: bool = False
    key: KeyKind = KeyKind.RSA2048
    sha1: bool = False


@cache
def lab_ca() -> LabCA:
    return LabCA("canhgac lab CA (Kiên Giang demo)")


@cache
def certificate(host: str, spec: CertSpec, aliases: tuple[str, ...] = ()) -> tuple[str, str]:
    """(chain PEM, key PEM) for a host, made once per process."""
    now = dt.datetime.now(dt.UTC)
    names = [f"other-host.{ORG}"] if spec.wrong_name else [host, *aliases]
    return lab_ca().issue(
        names,
        expired=spec.expired,
        not_after=now + dt.timedelta(days=10) if spec.expiring else None,
        key_type=spec.key,
        self_signed=spec.self_signed,
        signature_hash="sha1" if spec.sha1 else "sha256",
    )
