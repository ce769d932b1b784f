"""The long-lived objects a command or the web app needs, opened once and validated up front.

Opening them is where bad configuration is caught: settings, taxonomy files and the store are
all checked before anything starts serving, so a mistake stops startup with one clear line.
"""

from __future__ import annotations

from dataclasses import dataclass

from exportwatch.search import Index
from exportwatch.search.factory import open_index
from exportwatch.settings import Settings
from exportwatch.store import Store
from exportwatch.taxonomy import Taxonomy, load_taxonomy

__all__ = ["Services", "open_services"]


@dataclass(slots=True)
class Services:
    """Settings, taxonomy, store and search index, shared by the CLI, web app and jobs."""

    settings: Settings
    taxonomy: Taxonomy
    store: Store
    index: Index

    def close(self) -> None:
        """Release the index's and the store's connections."""
        self.index.close()
        self.store.close()


def open_services(settings: Settings) -> Services:
    """Validate the taxonomy, open (and migrate) the store, open the configured index."""
    taxonomy = load_taxonomy(settings.config_dir)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    store = Store.open(settings)
    return Services(settings, taxonomy, store, open_index(settings, taxonomy))
