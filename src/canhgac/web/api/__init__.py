"""The REST API (``/api/v1/``, django-ninja): the console's data for scripts, scoped as the pages are.

``api.py`` builds the ``NinjaAPI``; ``auth.py`` turns a bearer token or a console session into a
``Viewer``; ``errors.py`` gives every error one body; one module per resource holds its routes.
Every read goes through ``console/store/queries`` (or the services over it) with the viewer's scope.
"""
