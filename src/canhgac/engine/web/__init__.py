"""The web layer of the portal collectors: one bounded, polite, scope-guarded HTTP client per run.

The client is :mod:`canhgac.engine.web.fetch`, its answers :mod:`canhgac.engine.facts.web`;
:mod:`canhgac.engine.web.signatures` (pure) tells what a probed file is.

Nothing is re-exported here: importing a fact or a pure module must not load this package's
I/O modules (``tests/engine/test_import_boundaries.py``).
"""
