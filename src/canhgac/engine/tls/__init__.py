"""Shared TLS analysis for mail servers and web portals: one analysis per endpoint, judges.

:func:`~canhgac.engine.tls.analysis.analyze_tls` gives
:class:`~canhgac.engine.facts.tls.TlsFacts` for one (address, port, STARTTLS mode, host name);
:mod:`canhgac.engine.tls.judge` (pure) holds the per-endpoint verdicts that the mail and web
checks share.

Nothing is re-exported here: importing a fact or a pure module must not load this package's
I/O modules (``tests/engine/test_import_boundaries.py``).
"""
