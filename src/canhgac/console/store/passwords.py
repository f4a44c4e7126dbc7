"""The console's password policy: Django's validators, speaking canhgac's catalogue.

Django's Vietnamese catalogue does not translate its password messages, so these subclasses
keep Django's checks (length, the 20,000 common passwords, similarity to the user name, all
digits) and word their refusals through ``canhgac.i18n``, like every other message. One more,
when configured: not in the Pwned Passwords corpus (``PwnedPasswordValidator``).
"""

from __future__ import annotations

import logging

from django.contrib.auth import password_validation

from canhgac.i18n import gettext as _
from canhgac.i18n import ngettext

_log = logging.getLogger("canhgac.console.passwords")


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def get_error_message(self) -> str:
        return ngettext("This password is too short: it needs at least {n} character.",
                        "This password is too short: it needs at least {n} characters.",
                        self.min_length).format(n=self.min_length)

    def get_help_text(self) -> str:
        return ngettext("At least {n} character.", "At least {n} characters.",
                        self.min_length).format(n=self.min_length)


class CommonPasswordValidator(password_validation.CommonPasswordValidator):
    def get_error_message(self) -> str:
        return _("This password is among the most common ones: choose another.")

    def get_help_text(self) -> str:
        return _("Not a commonly used password.")


class UserAttributeSimilarityValidator(password_validation.UserAttributeSimilarityValidator):
    def get_error_message(self) -> str:
        return _("This password is too similar to the user name.")

    def get_help_text(self) -> str:
        return _("Not similar to the user name.")


class NumericPasswordValidator(password_validation.NumericPasswordValidator):
    def get_error_message(self) -> str:
        return _("This password is only digits.")

    def get_help_text(self) -> str:
        return _("Not only digits.")


class PwnedPasswordValidator:
    """Refuses a password seen in breaches, asking the offline Pwned Passwords store or a range
    service (``canhgac creds serve``; only a 5-hex prefix is sent). Off unless configured:
    ``CANHGAC_PWNED_STORE`` or ``CANHGAC_PWNED_URL`` (settings.py). When the check cannot be
    made the password is accepted and the failure logged (no password, no hash), unless
    ``refuse_on_error``: a policy that must hold even when the service is down."""

    def __init__(self, store: str | None = None, range_url: str | None = None, timeout: float = 3.0,
                 refuse_on_error: bool = False) -> None:
        self.store = store or None
        self.range_url = range_url or None
        self.timeout = timeout
        self.refuse_on_error = refuse_on_error

    def validate(self, password: str, user: object = None) -> None:
        from django.core.exceptions import ValidationError

        from canhgac.creds.pwned import RangeClientError, StoreError, is_pwned

        if self.store is None and self.range_url is None:
            return
        try:
            seen = is_pwned(password, store=self.store, url=None if self.store else self.range_url,
                            hashed=False, timeout=self.timeout)
        except (StoreError, RangeClientError) as exc:
            _log.warning("breached-password check unavailable: %s", exc)
            if self.refuse_on_error:
                refusal = _("The check against breached passwords is unavailable: try again later.")
                raise ValidationError(refusal, code="password_pwned_unavailable") from None
            return
        if seen:
            raise ValidationError(_("This password appears in known data breaches: choose another."),
                                  code="password_pwned")

    def get_help_text(self) -> str:
        return _("Not found in known data breaches.")
