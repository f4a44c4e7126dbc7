"""Parsers for mail-authentication records (SPF, DMARC, DKIM, MTA-STS, TLS-RPT): pure, no I/O."""
