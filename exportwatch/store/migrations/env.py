"""Alembic environment: migrates the connection the store hands over, or the configured URL.

`upgrade_schema` passes its connection in `config.attributes`; the `alembic` command line (with
`alembic.ini` here) uses `sqlalchemy.url`, else the URL the service itself would use.
"""

from __future__ import annotations

from logging.config import fileConfig
from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import Connection

from exportwatch.store.database import (
    check_foreign_keys,
    create_store_engine,
    migration_connection,
)
from exportwatch.store.tables import metadata
from exportwatch.store.types import UTCDateTime

config = context.config
if config.config_file_name is not None and "connection" not in config.attributes:
    fileConfig(config.config_file_name, disable_existing_loggers=False)  # command-line use only


def database_url() -> str:
    """`sqlalchemy.url` from the ini file, else `EXPORTWATCH_DATABASE_URL` or the data dir."""
    url = config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from exportwatch.settings import load_settings

    return load_settings().resolved_database_url


def render_item(kind: str, item: Any, _context: AutogenContext) -> str | Literal[False]:
    """Autogenerate writes `UTCDateTime` as its plain column type, so revisions import nothing."""
    if kind == "type" and isinstance(item, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def include_name(name: str | None, type_: str, _parents: Any) -> bool:
    """Compare only the store's own tables: others in the database (scheduler jobs) aren't ours."""
    return type_ != "table" or name in metadata.tables


def run_offline() -> None:
    """Print the SQL instead of running it (`alembic upgrade head --sql`)."""
    context.configure(url=database_url(), target_metadata=metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_on(connection: Connection) -> None:
    """Migrate one connection; SQLite alters tables in batch mode (copy and swap)."""
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        render_item=render_item,
        include_name=include_name,
        transactional_ddl=True,  # also on SQLite: the store's engine emits BEGIN itself
    )
    with context.begin_transaction():
        context.run_migrations()
        check_foreign_keys(connection)


def run_online() -> None:
    """Use the store's connection if one was handed over, else open the database like the store."""
    connection = config.attributes.get("connection")
    if connection is not None:
        run_on(connection)
        return
    engine = create_store_engine(database_url())
    try:
        with migration_connection(engine) as own:
            run_on(own)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
