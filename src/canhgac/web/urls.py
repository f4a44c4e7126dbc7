"""The console's URLs. Error pages are the templates 400/403/404/500.html (Django's handlers)."""

from django.urls import include, path

from canhgac.web.views import (
    account,
    agency,
    alert_ack,
    auth,
    dashboard,
    findings,
    inventory,
    reports,
    scans,
    security_log,
    totp,
    users,
    well_known,
)

urlpatterns = [
    path("", dashboard.home, name="home"),
    path("login/", auth.login, name="login"),
    path("login/totp/", auth.totp_verify, name="totp-verify"),
    path("logout/", auth.logout, name="logout"),
    path("account/language/", auth.choose_language, name="language"),
    path("account/password/", account.change_password, name="password-change"),
    path("account/set-password/<str:uidb64>/<str:token>/", account.set_password, name="set-password"),
    path("account/totp/", totp.enrol, name="totp-enrol"),
    path("account/totp/qr.svg", totp.enrol_qr, name="totp-qr"),
    path(".well-known/security.txt", well_known.security_txt_file, name="security-txt"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("agencies/<str:code>/", agency.agency, name="agency"),
    path("findings/", findings.findings, name="findings"),
    path("findings/triage/", findings.triage_many, name="findings-triage"),
    path("findings/<str:fingerprint>/", findings.finding, name="finding"),
    path("findings/<str:fingerprint>/triage/", findings.triage_one, name="finding-triage"),
    path("findings/<str:fingerprint>/retest/", scans.retest, name="finding-retest"),
    path("scans/", scans.scans, name="scans"),
    path("scans/launches/<int:launch_id>/", scans.launch, name="scan-launch"),
    path("scans/launches/<int:launch_id>/progress/", scans.launch_progress, name="scan-launch-progress"),
    path("scans/runs/<int:run_id>/", scans.run, name="scan-run"),
    path("security-log/", security_log.security_log, name="security-log"),
    path("users/", users.users, name="users"),
    path("users/<str:username>/", users.user, name="user"),
    path("inventory/", inventory.inventory, name="inventory"),
    path("reports/", reports.reports, name="reports"),
    path("reports/province/<str:fmt>/", reports.province_report, name="report-province"),
    path("reports/agencies/<str:code>/<str:fmt>/", reports.agency_report, name="report-agency"),
    path("alerts/ack/<str:token>/", alert_ack.acknowledge, name="alert-ack"),  # alert_links.PATH
    path("api/v1/", include("canhgac.web.api.urls")),  # the REST API (docs/console.md, API)
]
