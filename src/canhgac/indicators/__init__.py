"""Indicator sharing (issue 15 item 4), pure: typed indicators with their validation, the TLP 2.0
levels and their STIX marking definitions, an incident's indicators written as a STIX 2.1
bundle or a MISP event, and STIX bundles, MISP events and plain lists read into an indicator
pack for the host sweep (issue 17). No Django, no I/O beyond the bytes handed in."""
