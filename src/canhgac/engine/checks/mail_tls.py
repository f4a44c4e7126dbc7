"""TLS of mail servers (CV430 clause 2): protocols, ciphers, key exchange, certificates.

Each check judges every TLS endpoint of the host (STARTTLS on 25/587/143/110, implicit TLS on
465/993/995) with the shared per-endpoint judges of :mod:`canhgac.engine.tls.judge`: a fault
on any endpoint fails the check; otherwise an endpoint that could not be tested makes it an
error; a host with no TLS endpoint at all is not applicable (mail.smtp.starttls and the
mailbox checks speak about missing STARTTLS).
"""

from __future__ import annotations

from canhgac.engine.facts.tls import MailTlsFacts
from canhgac.engine.params import CheckParams
from canhgac.engine.registry import check
from canhgac.engine.results import Outcome, not_applicable
from canhgac.engine.targets import TargetKind
from canhgac.engine.tls import judge as j


def over_endpoints(facts: MailTlsFacts, judge: j.Judge, params: CheckParams) -> Outcome:
    """One outcome for the host from the verdicts on each of its TLS endpoints."""
    return j.over_endpoints(
        facts, facts.endpoints, judge, params, outside=facts.out_of_scope,
        none=lambda evidence: not_applicable("no-tls", evidence, host=facts.host),
    )


@check("mail.tls.protocols", target=TargetKind.MAIL_HOST, needs=MailTlsFacts)
def tls_protocols(facts: MailTlsFacts, params: CheckParams) -> Outcome:
    """SSLv2, SSLv3, TLS 1.0 and 1.1 are broken or deprecated (RFC 8996); TLS 1.2+ is required."""
    return over_endpoints(facts, j.judge_protocols, params)


@check("mail.tls.ciphers", target=TargetKind.MAIL_HOST, needs=MailTlsFacts)
def tls_ciphers(facts: MailTlsFacts, params: CheckParams) -> Outcome:
    """NULL, EXPORT, anonymous, RC4, DES, 3DES and CBC-SHA-1 suites (RFC 7525/9325 4.2)."""
    return over_endpoints(facts, j.judge_ciphers, params)


@check("mail.tls.forward-secrecy", target=TargetKind.MAIL_HOST, needs=MailTlsFacts)
def tls_forward_secrecy(facts: MailTlsFacts, params: CheckParams) -> Outcome:
    """Without an ephemeral key exchange, a stolen server key decrypts recorded mail traffic."""
    return over_endpoints(facts, j.judge_forward_secrecy, params)


@check("mail.tls.dh-params", target=TargetKind.MAIL_HOST, needs=MailTlsFacts)
def tls_dh_params(facts: MailTlsFacts, params: CheckParams) -> Outcome:
    """Small finite-field DH groups are breakable (Logjam)."""
    return over_endpoints(facts, j.judge_dh_params, params)


@check("mail.tls.cert-trusted", target=TargetKind.MAIL_HOST, needs=MailTlsFacts)
def tls_cert_trusted(facts: MailTlsFacts, params: CheckParams) -> Outcome:
    """A chain that does not validate gives MTA-STS/DANE senders and mail clients no assurance."""
    return over_endpoints(facts, j.judge_cert_trusted, params)


@check("mail.tls.cert-name", target=TargetKind.MAIL_HOST, needs=MailTlsFacts)
def tls_cert_name(facts: MailTlsFacts, params: CheckParams) -> Outcome:
    """The certificate must name the host that MX records and clients use."""
    return over_endpoints(facts, j.judge_cert_name, params)


@check("mail.tls.cert-expired", target=TargetKind.MAIL_HOST, needs=MailTlsFacts)
def tls_cert_expired(facts: MailTlsFacts, params: CheckParams) -> Outcome:
    """An expired (or not yet valid) certificate fails every validating client."""
    return over_endpoints(facts, j.judge_cert_expired, params)


@check("mail.tls.cert-expiring", target=TargetKind.MAIL_HOST, needs=MailTlsFacts)
def tls_cert_expiring(facts: MailTlsFacts, params: CheckParams) -> Outcome:
    """Expiry within the warning window: renew before clients start failing."""
    return over_endpoints(facts, j.judge_cert_expiring, params)


@check("mail.tls.cert-key", target=TargetKind.MAIL_HOST, needs=MailTlsFacts)
def tls_cert_key(facts: MailTlsFacts, params: CheckParams) -> Outcome:
    """RSA keys under 2048 bits and EC keys under 256 bits are too weak."""
    return over_endpoints(facts, j.judge_cert_key, params)


@check("mail.tls.cert-signature", target=TargetKind.MAIL_HOST, needs=MailTlsFacts)
def tls_cert_signature(facts: MailTlsFacts, params: CheckParams) -> Outcome:
    """SHA-1 and MD5 signatures can be forged by collision."""
    return over_endpoints(facts, j.judge_cert_signature, params)
