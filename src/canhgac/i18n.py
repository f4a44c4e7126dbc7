"""gettext for user-facing text outside the catalog (CLI messages, report headings).

Message ids are English; Vietnamese is the default language, English is available. The
compiled catalogs live in ``canhgac/locale/<lang>/LC_MESSAGES/canhgac.mo`` (built from the
``.po`` files with Babel, see docs/reports.md). Check titles and messages are not here: they
come from the catalog data, in both languages.

The current language is a context variable, so concurrent tasks (a console request, a CLI
run) can each use their own without touching global state.
"""

from __future__ import annotations

import gettext as _gettext
from contextvars import ContextVar
from functools import cache
from importlib import resources
from pathlib import Path

DOMAIN = "canhgac"
LANGUAGES: tuple[str, ...] = ("vi", "en")
DEFAULT_LANGUAGE = "vi"

_current: ContextVar[str] = ContextVar("canhgac_language", default=DEFAULT_LANGUAGE)


def locale_dir() -> Path:
    return Path(str(resources.files("canhgac") / "locale"))


def _check(lang: str) -> str:
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}; choose one of {', '.join(LANGUAGES)}")
    return lang


@cache
def translation(lang: str) -> _gettext.GNUTranslations:
    """The compiled catalog for ``lang`` (usable by Jinja2's i18n extension)."""
    found = _gettext.translation(DOMAIN, locale_dir(), languages=[_check(lang)])
    assert isinstance(found, _gettext.GNUTranslations)
    return found


def set_language(lang: str) -> None:
    """Use ``lang`` for ``gettext``/``ngettext`` in the current context."""
    _current.set(_check(lang))


def current_language() -> str:
    return _current.get()


def gettext(message: str) -> str:
    return translation(_current.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translation(_current.get()).ngettext(singular, plural, n)


_ = gettext
