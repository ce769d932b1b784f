"""Alembic revision scripts; alembic loads them by path, the package only makes them ship."""
