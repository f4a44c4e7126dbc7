"""The passwords tried: empty, the user name and trivial variants of it, the common list.

The variants are what people do when told to change a password they see as a formality: the
user name as written, in lower case, capitalised or upper case, with a short suffix (``1``,
``123``, ``@123``, ``!``, a recent year). ``--suffix`` replaces the suffix list.
"""

from __future__ import annotations

import datetime as dt
from importlib import resources

from canhgac.i18n import N_

COMMON_FILE = "common_passwords.txt"
COMMON_SOURCE = N_("NCSC PwnedPasswordsTop100k (first 300 lines, via SecLists) "
                 "and 15 local defaults added by canhgac")


def default_suffixes(today: dt.date | None = None) -> tuple[str, ...]:
    year = (today or dt.date.today()).year
    years = [str(y) for y in range(year - 3, year + 1)]
    return ("", "1", "123", "1234", "@123", "!", *years, f"@{year}", f"@{year - 1}")


def common_passwords(limit: int | None = None) -> list[str]:
    """The bundled list, most common first (``limit``: the first N)."""
    text = resources.files(__package__).joinpath(COMMON_FILE).read_text("utf-8")
    words = [w for w in text.splitlines() if w and not w.startswith("# ")]
    return words if limit is None else words[:limit]


def name_variants(user: str, suffixes: tuple[str, ...]) -> list[str]:
    """The user name and its trivial variants, without repeats, the likeliest first."""
    base = user[:-1] if user.endswith("$") else user  # a pre-created computer's password is its name
    bases = [base]
    squeezed = base.replace(".", "").replace("_", "").replace("-", "")
    if squeezed and squeezed != base:
        bases.append(squeezed)
    seen: dict[str, None] = {}
    for suffix in suffixes:
        for b in bases:
            for form in (b, b.lower(), b[:1].upper() + b[1:].lower(), b.upper()):
                if form:
                    seen.setdefault(form + suffix, None)
    return list(seen)
