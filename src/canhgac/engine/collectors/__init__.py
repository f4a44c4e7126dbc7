"""Collectors: the only engine code that does network I/O, once per target per run."""
