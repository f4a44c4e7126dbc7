"""The Jinja2 environment of the console's templates (Django's Jinja2 backend calls it).

One template engine for reports and pages, and one message catalogue: templates translate
with canhgac's gettext domain (``canhgac.i18n``) in the request's language, which
``UserLanguageMiddleware`` activated; Babel extracts them with the reports' templates
(``babel.cfg``). Autoescape is on: agency names and evidence come from outside.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, cast

from django.contrib.auth import password_validation
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from jinja2 import Environment, PackageLoader, StrictUndefined

from canhgac.i18n import DEFAULT_LANGUAGE, LANGUAGES, N_, translate
from canhgac.i18n import translation as catalogue
from canhgac.i18n.formats import format_percent
from canhgac.reports.view import format_time
from canhgac.reports.wording import format_score, render_markdown, target_label


def current_language() -> str:
    language = translation.get_language() or DEFAULT_LANGUAGE
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def _gettext(message: str) -> str:
    return catalogue(current_language()).gettext(message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    return catalogue(current_language()).ngettext(singular, plural, n)


def _score(value: float) -> str:
    return format_score(value, current_language())  # type: ignore[arg-type]


def _percent(value: float | None) -> str:
    """A ratio as the reports print it (``i18n.formats``), a dash for none."""
    return "—" if value is None else format_percent(value, current_language())


def _when(value: datetime | None) -> str:
    """A time on Vietnam's clock in the viewer's language: the reports' own formatter
    (``reports.view.format_time``, cached, over ``i18n.formats.format_datetime``)."""
    return format_time(value, current_language())  # type: ignore[arg-type]


def _target(key: str) -> str:
    """A target key as people name it (``mail_host:mx.a.gov.vn`` → ``mail server mx.a.gov.vn``),
    as the reports print it; machine formats (the API, CSV) keep the key."""
    return target_label(str(key), current_language())  # type: ignore[arg-type]


WEEKDAYS = (N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"), N_("Saturday"),
            N_("Sunday"))


def _day(value: date) -> str:
    """A day with its weekday, in the viewer's language (``Thứ Sáu 05/02/2027``)."""
    from canhgac.i18n.formats import format_date

    lang = current_language()
    return f"{translate(WEEKDAYS[value.weekday()], lang)} {format_date(value, lang)}"


def _clock(value: datetime | None) -> str:
    """A time of day on Vietnam's clock (``08:00``)."""
    from canhgac.i18n.formats import display_zone

    return "" if value is None else value.astimezone(display_zone()).strftime("%H:%M")


def _local_input(value: datetime | None) -> str:
    """A time as an ``<input type="datetime-local">`` value, on Vietnam's clock."""
    from canhgac.i18n.formats import display_zone

    return "" if value is None else value.astimezone(display_zone()).strftime("%Y-%m-%dT%H:%M")


def _watch_label(group: str, value: str) -> str:
    """A stored word of the watch (health, status, step, kind) in the viewer's language."""
    from canhgac.services.watch_pages import watch_label

    return watch_label(group, str(value), current_language())


def password_rules() -> str:
    """The password policy in words: the help texts of ``AUTH_PASSWORD_VALIDATORS`` (the console's
    validators, ``console/store/passwords.py``), in the request's language, so the forms' hint
    says what the check refuses."""
    return " ".join(password_validation.password_validators_help_texts())


def url(name: str, *args: Any, **kwargs: Any) -> str:
    return reverse(name, args=args or None, kwargs=kwargs or None)


def environment(**options: Any) -> Environment:
    options["loader"] = PackageLoader("canhgac.web", "templates")
    options["undefined"] = StrictUndefined
    options.pop("autoescape", None)
    env = Environment(autoescape=True, extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True,
                      **options)
    # install_gettext_callables is added by the i18n extension at run time
    cast(Any, env).install_gettext_callables(_gettext, _ngettext, newstyle=True)
    env.globals.update(static=static, url=url, current_language=current_language, languages=LANGUAGES,
                       watch_label=_watch_label, password_rules=password_rules)
    env.filters.update(score=_score, percent=_percent, when=_when, markdown=render_markdown,
                       target=_target, local_input=_local_input,
                       day=_day, clock=_clock)
    return env
