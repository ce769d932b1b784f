"""The web UI and JSON API (FastAPI, server-rendered Jinja2 pages)."""

from exportwatch.web.app import create_app

__all__ = ["create_app"]
