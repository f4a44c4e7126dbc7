"""The console's URLs. Error pages are the templates 400/403/404/500.html (Django's handlers)."""

from django.urls import path

from canhgac.web.views import agency, auth, dashboard, findings, security_log, totp

urlpatterns = [
    path("", dashboard.home, name="home"),
    path("login/", auth.login, name="login"),
    path("login/totp/", auth.totp_verify, name="totp-verify"),
    path("logout/", auth.logout, name="logout"),
    path("account/language/", auth.choose_language, name="language"),
    path("account/totp/", totp.enrol, name="totp-enrol"),
    path("account/totp/qr.svg", totp.enrol_qr, name="totp-qr"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("agencies/<str:code>/", agency.agency, name="agency"),
    path("findings/", findings.findings, name="findings"),
    path("findings/triage/", findings.triage_many, name="findings-triage"),
    path("findings/<str:fingerprint>/", findings.finding, name="finding"),
    path("findings/<str:fingerprint>/triage/", findings.triage_one, name="finding-triage"),
    path("security-log/", security_log.security_log, name="security-log"),
]
