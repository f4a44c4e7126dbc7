"""The ``NinjaAPI`` of ``/api/v1/``: every operation needs a bearer token or a console session.

The OpenAPI schema is served at ``/api/v1/openapi.json`` (it holds no agency's data); the
interactive docs page is off, because django-ninja's Swagger page loads its script from a CDN,
which the console's Content Security Policy refuses and the project does not use.
"""

from __future__ import annotations

from ninja import NinjaAPI

from canhgac.web.api import (
    campaign_api,
    campaign_bulk_api,
    compliance_api,
    errors,
    findings_api,
    forms_api,
    incidents_api,
    indicators_api,
    inventory_api,
    inventory_files_api,
    logs_api,
    reports_api,
    scans_api,
    sweep_api,
    watch_api,
    watch_people_api,
)
from canhgac.web.api.auth import BearerToken, ConsoleSession

API_VERSION = "1"


def build_api() -> NinjaAPI:
    api = NinjaAPI(
        title="canhgac API",
        version=API_VERSION,
        description="The console's data for scripts: agencies, findings and triage, scan runs, reports, "
                    "scans and retests launched, the watch's monitors and alerts, its duty roster and alert "
                    "messages, incidents and their official reports, the half-year and annual summary "
                    "(form 05), indicator packs and an incident's indicators as STIX or MISP, the account "
                    "campaign, host sweep results uploaded and the sweep coverage per agency, the "
                    "detections found in the agencies' logs "
                    "(docs/console.md, section API).",
        auth=[BearerToken(), ConsoleSession()],
        urls_namespace="api-v1",
        docs_url=None,
        openapi_url="/openapi.json",
    )
    errors.install(api)
    api.add_router("", inventory_api.router)
    api.add_router("", inventory_files_api.router)
    api.add_router("", findings_api.router)
    api.add_router("", reports_api.router)
    api.add_router("", scans_api.router)
    api.add_router("", watch_api.router)
    api.add_router("", watch_people_api.router)
    api.add_router("", incidents_api.router)
    api.add_router("", indicators_api.router)
    api.add_router("", compliance_api.router)
    api.add_router("", forms_api.router)
    api.add_router("", campaign_api.router)
    api.add_router("", sweep_api.router)
    api.add_router("", campaign_bulk_api.router)
    api.add_router("", logs_api.router)
    return api


api = build_api()
