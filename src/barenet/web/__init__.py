"""The web face of barenet: a page to draw a digit and watch the network.

``barenet serve`` runs the app that ``barenet.web.app.create_app`` builds:
a FastAPI application with a JSON API (``/api/predict``, ``/api/model``,
``/api/models``, the OpenAPI schema at ``/openapi.json``) and a page made
of plain HTML, CSS and JavaScript shipped in ``static/``, with no build
step and nothing fetched from elsewhere, so it works offline.

This package needs the ``web`` extra (``pip install 'barenet[web]'``).
Nothing in the rest of barenet imports it.

Modules: ``catalog`` (the models a server can use: finding, loading,
describing them; no web framework involved), ``schemas`` (the shapes of
the API's requests and answers), ``app`` (the routes), ``server`` (uvicorn
with deadlines for slow clients and a cap on connections).
"""
