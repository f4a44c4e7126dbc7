"""The Django project: the one persistence layer (models, migrations) and, later, the console.

Nothing here runs at import time; call ``canhgac.console.bootstrap.setup_django`` first.
"""
