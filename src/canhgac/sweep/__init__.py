"""The host sweep (issue 17): look for malware and APT traces on one computer, offline.

Runs on an agency PC without the console: this package imports the standard library, yara-x,
psutil, cryptography (Ed25519 signatures) and canhgac's own pure modules (translations, and the
indicator parsers for STIX/MISP files, loaded only when such a file is given). Never Django, the
console or the network scanners (``tests/sweep/test_sweep_boundaries.py``).
"""
