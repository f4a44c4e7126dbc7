"""The login form: Django's, with its refusals worded in canhgac's catalogue."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.forms import AuthenticationForm

from canhgac.i18n import gettext as _


class LoginForm(AuthenticationForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.error_messages = {
            "invalid_login": _("Wrong user name or password (both are case-sensitive)."),
            "inactive": _("This account is disabled."),
        }
