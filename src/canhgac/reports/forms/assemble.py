"""A form's value from its data and the ``[forms]`` configuration: what the data leaves out of the
document header (issuer, signer, addressees, the issuer's file mark) and the reporting
organisation's block is taken from the configuration; what the data gives wins. The document
number is written with the configured pattern. Then the form's model validates the whole.

This is the step both the CLI (``canhgac forms render``) and the incidents layer go through, so
a document never depends on who produced it. Pure.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from canhgac.i18n import gettext as _
from canhgac.i18n import validation
from canhgac.reports.forms.config import FormsConfig
from canhgac.reports.forms.model import FORMS, MODELS, FinalReport, InitialReport, PeriodSummary
from canhgac.yamlio import safe_load


class FormDataError(ValueError):
    """The data cannot make the form: one line naming the field and what is wrong."""


def read_form_data(path: Path) -> Any:
    """The data file at ``path`` (YAML, or JSON, which YAML reads too), as plain data; a file
    that cannot be read or parsed is :class:`FormDataError` with one line (``file:line:column``
    for a syntax error)."""
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise FormDataError(_("cannot be read: {error}").format(error=exc.strerror or exc)) from None
    except UnicodeDecodeError:
        raise FormDataError(_("is not UTF-8 text")) from None
    try:
        return safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = (
            _("line {line}, column {column}: ").format(line=mark.line + 1, column=mark.column + 1)
            if mark
            else ""
        )
        problem = getattr(exc, "problem", None) or type(exc).__name__
        raise FormDataError(
            _("not valid YAML or JSON: {where}{problem}").format(where=where, problem=problem)
        ) from None


def _clean(defaults: Mapping[str, Any]) -> dict[str, Any]:
    """``defaults`` without its empty values (so a missing setting reads "required, but missing")."""
    out: dict[str, Any] = {}
    for key, value in defaults.items():
        if isinstance(value, Mapping):
            value = _clean(value)
        if value not in ("", None, [], {}):
            out[key] = value
    return out


def _merged(defaults: Mapping[str, Any], given: Mapping[str, Any]) -> dict[str, Any]:
    """``given`` over ``defaults``, mapping into mapping."""
    out: dict[str, Any] = dict(defaults)
    for key, value in given.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _merged(out[key], value)
        else:
            out[key] = value
    return out


def _defaults(form: str, config: FormsConfig, today: dt.date) -> dict[str, Any]:
    issuer = config.issuer
    document = {
        "issuer": {"parent": issuer.parent, "name": issuer.name, "place": issuer.place},
        "date": today.isoformat(),
        "to": config.recipients(form),
        "filed_as": config.filed_as,
        "signer": config.signer.model_dump(),
    }
    own = {"name": issuer.name, "address": issuer.address, "phone": issuer.phone, "email": issuer.email}
    own_block = own if all(own.values()) else {}
    if form == "05":
        return {"document": document, "organisation": own_block, "member_code": issuer.member_code}
    return {"document": document, "reporter": own_block}


def build_form(
    form: str, data: Mapping[str, Any], config: FormsConfig, *, today: dt.date
) -> InitialReport | FinalReport | PeriodSummary:
    """Form ``form`` ("03", "04", "05") from ``data`` and ``config``; :class:`FormDataError`
    says in one line what is missing or wrong (``document.signer.name: required, but missing``)."""
    if form not in FORMS:
        raise FormDataError(_("unknown form {form}: use 03, 04 or 05").format(form=form))
    if not isinstance(data, Mapping):
        raise FormDataError(_("the data must be a mapping of fields (key: value)"))
    merged = _merged(_clean(_defaults(form, config, today)), data)
    document = merged.get("document")
    if isinstance(document, dict) and isinstance(document.get("number"), str | int):
        try:
            year = dt.date.fromisoformat(str(document.get("date"))).year
        except ValueError:
            year = today.year
        document["number"] = config.number(document["number"], year)
    try:
        return MODELS[form].model_validate(merged)
    except ValidationError as exc:
        raise FormDataError(validation.summary(exc)) from None
