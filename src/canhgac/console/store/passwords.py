"""The console's password policy: Django's validators, speaking canhgac's catalogue.

Django's Vietnamese catalogue does not translate its password messages, so these subclasses
keep Django's checks (length, the 20,000 common passwords, similarity to the user name, all
digits) and word their refusals through ``canhgac.i18n``, like every other message.
"""

from __future__ import annotations

from django.contrib.auth import password_validation

from canhgac.i18n import gettext as _
from canhgac.i18n import ngettext


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
