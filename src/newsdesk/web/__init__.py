"""The server-rendered web app (FastAPI + Jinja2)."""

from newsdesk.web.app import create_app

__all__ = ["create_app"]
