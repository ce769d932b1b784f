"""Alembic migrations of the store's schema (run by `upgrade_schema` when the store opens)."""
