"""The HTTP API (django-ninja) under /api/v1. Each app contributes a router from its api.py."""

from ninja import NinjaAPI

api = NinjaAPI(title="qlvb API", version="1", urls_namespace="api")
