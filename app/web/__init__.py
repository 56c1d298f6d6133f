"""The learner's web app (FastAPI, Jinja2, htmx, KaTeX) and the JSON API under ``/api/v1``.

``create_app(settings=None)`` in :mod:`app.web.main` builds it; ``jtutor serve`` runs it.
"""
