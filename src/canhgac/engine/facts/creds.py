"""What breach data says about one agency account: the leaks it was seen in, the categories of
the services those leaks came from, and how many other accounts share its password.

Built by the services layer from the store's leaked-account rows (``canhgac creds import``),
never from a scan; it carries no password and no hash, only counts and the breaches' names,
dates and services.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Sighting:
    """One breach the account appears in."""

    breach: str
    date: dt.date
    service: str = ""
    category: str = ""  # social, forum, public, work or "" (creds.breach.categories)
    password_leaked: bool = False  # the leak held a password or a hash for it


@dataclass(frozen=True, slots=True)
class AccountExposure:
    """One account's exposure as of ``today`` (the day the facts were built)."""

    address: str
    today: dt.date
    sightings: tuple[Sighting, ...] = ()
    still_works: bool | None = None  # the agency's answer: the leaked password still works
    same_agency_sharing: int = 0  # other accounts of the agency with an equal leaked password
    other_agencies_sharing: int = 0  # other agencies with an account using it
    other_agency_accounts: int = 0  # how many accounts there


@dataclass(frozen=True, slots=True)
class SuppliedExposures:
    """The run resource the collector reads: every account's facts, by address."""

    by_address: dict[str, AccountExposure]
