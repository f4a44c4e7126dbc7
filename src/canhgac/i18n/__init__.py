"""gettext for user-facing text outside the catalog (CLI messages, report headings).

Message ids are English; Vietnamese is the default language, English is available. The
compiled catalogs live in ``canhgac/locale/<lang>/LC_MESSAGES/canhgac.mo`` (built from the
``.po`` files with Babel, see docs/i18n.md). Check titles and messages are not here: they
come from the catalog data, in both languages.

The current language is a context variable, so concurrent tasks (a console request, a CLI
run) can each use their own without touching global state.

``_``/``gettext``/``ngettext`` take string literals only (extraction reads them from the
source; ``tests/i18n/test_gettext_calls.py`` enforces it). A msgid that travels as a value
(a help text, an enum's label, a reason stored with a run) is marked where it is written with
:func:`N_` and looked up later with :func:`translate`, the one sanctioned dynamic lookup.
Numbers and dates: :mod:`canhgac.i18n.formats`; pydantic errors: :mod:`canhgac.i18n.validation`.
"""

from __future__ import annotations

import gettext as _gettext
from collections.abc import Iterator
from contextlib import contextmanager
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


@contextmanager
def language(lang: str) -> Iterator[None]:
    """Use ``lang`` inside the block, then the language from before (tests, one-off renders)."""
    token = _current.set(_check(lang))
    try:
        yield
    finally:
        _current.reset(token)


def gettext(message: str) -> str:
    return translation(_current.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translation(_current.get()).ngettext(singular, plural, n)


def N_(message: str) -> str:  # noqa: N802 - the conventional gettext marker name
    """Mark a msgid for extraction where it is written (Babel's default keywords include
    ``N_``); it is translated later, where it is shown, by :func:`translate`."""
    return message


def translate(msgid: str, lang: str | None = None) -> str:
    """The translation of a msgid carried as a value (marked with :func:`N_` where it is written),
    in ``lang`` or the current language; an unknown text comes back unchanged."""
    return translation(_check(lang) if lang is not None else _current.get()).gettext(msgid)


_ = gettext
