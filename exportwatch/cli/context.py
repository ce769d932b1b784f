"""Open the service objects for one command and close them when it ends."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from exportwatch.services import Services, open_services
from exportwatch.settings import load_settings

__all__ = ["opened_services"]


@contextmanager
def opened_services() -> Iterator[Services]:
    """Settings from the environment, taxonomy, store and index; closed on exit."""
    services = open_services(load_settings())
    try:
        yield services
    finally:
        services.close()
