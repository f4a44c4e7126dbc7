"""Benchmarks, run on demand (python3 scripts/dev.py bench ...); figures go to docs/benchmarks.md."""
