"""Shared TLS analysis for mail servers and web portals: facts, one analysis per endpoint, judges.

Public API: :func:`analyze_tls` gives :class:`TlsFacts` for one (address, port, STARTTLS mode,
host name); :mod:`canhgac.engine.tls.judge` holds the per-endpoint verdicts that the mail and
web checks share.
"""
