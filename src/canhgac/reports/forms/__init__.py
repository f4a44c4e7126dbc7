"""The official documents of Circular 20/2017/TT-BTTTT as DOCX: the initial incident report (form
03), the final report (form 04) and the half-year/annual summary (form 05).

Layers inside: :mod:`.blocks` and :mod:`.model` (what each form holds, typed, from plain data),
:mod:`.config` (the ``[forms]`` table: issuer, signer, authorities, deadlines, templates),
:mod:`.assemble` (data + configuration → a form's value), :mod:`.context` (a value → the text a
template prints), :mod:`.templates` (find, check and fill a DOCX template). The templates are
data (``data/mau-0N.docx``, written by ``scripts/make_form_templates.py``); docs/forms.md says
what each form contains and how a province replaces a template.

    from canhgac.reports.forms import build_form, read_forms_config, render_form
    config = read_forms_config(Path("canhgac.toml"))
    report = build_form("03", data, config, today=date.today())
    docx = render_form(report, config)
"""

from __future__ import annotations

from canhgac.reports.forms.assemble import FormDataError, build_form, read_form_data
from canhgac.reports.forms.blocks import Contact, DocumentHeader, Issuer, Person, Recipient, Signer
from canhgac.reports.forms.config import (
    AUTHORITIES,
    DEFAULT_AUTHORITIES,
    Authority,
    FormsConfig,
    FormsConfigError,
    forms_config,
    read_forms_config,
)
from canhgac.reports.forms.context import FIELDS, context
from canhgac.reports.forms.model import (
    FORMS,
    INCIDENT_TYPE_LABELS,
    AffectedSystem,
    Attachment,
    Detection,
    FinalIncident,
    FinalReport,
    IncidentType,
    InitialIncident,
    InitialReference,
    InitialReport,
    Measure,
    Method,
    Party,
    Period,
    PeriodSummary,
    Service,
    SystemDetails,
    TypeCount,
)
from canhgac.reports.forms.templates import (
    FormTemplateError,
    TemplateCheck,
    check_template,
    packaged_template,
    render_docx,
    usable_template,
)


def form_number(report: InitialReport | FinalReport | PeriodSummary) -> str:
    """``"03"``, ``"04"`` or ``"05"``: which form ``report`` is."""
    if isinstance(report, InitialReport):
        return "03"
    return "04" if isinstance(report, FinalReport) else "05"


def render_form(report: InitialReport | FinalReport | PeriodSummary, config: FormsConfig) -> bytes:
    """``report`` as DOCX bytes, through the template ``config`` names for its form (checked) or
    the packaged one."""
    form = form_number(report)
    return render_docx(report, usable_template(form, config.template(form)))


__all__ = [
    "AUTHORITIES",
    "DEFAULT_AUTHORITIES",
    "FIELDS",
    "FORMS",
    "INCIDENT_TYPE_LABELS",
    "AffectedSystem",
    "Attachment",
    "Authority",
    "Contact",
    "Detection",
    "DocumentHeader",
    "FinalIncident",
    "FinalReport",
    "FormDataError",
    "FormTemplateError",
    "FormsConfig",
    "FormsConfigError",
    "IncidentType",
    "InitialIncident",
    "InitialReference",
    "InitialReport",
    "Issuer",
    "Measure",
    "Method",
    "Party",
    "Period",
    "PeriodSummary",
    "Person",
    "Recipient",
    "Service",
    "Signer",
    "SystemDetails",
    "TemplateCheck",
    "TypeCount",
    "build_form",
    "check_template",
    "context",
    "form_number",
    "forms_config",
    "packaged_template",
    "read_form_data",
    "read_forms_config",
    "render_docx",
    "render_form",
    "usable_template",
]
