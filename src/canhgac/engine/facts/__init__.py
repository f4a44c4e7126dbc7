"""Facts: what collectors observed, immutable and typed, with the pure parsers that build them.

One module per fact family. Checks import from here (and from pure helpers such as
:mod:`canhgac.engine.mailauth` and :mod:`canhgac.engine.tls.judge`), never from collectors or
any module that does I/O; ``tests/engine/test_import_boundaries.py`` enforces it.
"""
