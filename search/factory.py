"""Pick the configured backend: Elasticsearch when its URL is set, else the embedded index."""

from __future__ import annotations

from exportwatch.search.index import Index
from exportwatch.settings import Settings
from exportwatch.taxonomy import Taxonomy

__all__ = ["EMBEDDED_INDEX_FILE", "open_index"]

EMBEDDED_INDEX_FILE = "index.sqlite3"


def open_index(settings: Settings, taxonomy: Taxonomy) -> Index:
    """The index the settings ask for (nothing is contacted until first use)."""
    if settings.elasticsearch_url:
        from exportwatch.search.elasticsearch import ElasticsearchIndex

        return ElasticsearchIndex(
            taxonomy, settings.elasticsearch_url, prefix=settings.elasticsearch_index_prefix
        )
    from exportwatch.search.embedded import EmbeddedIndex

    return EmbeddedIndex(taxonomy, settings.data_dir / EMBEDDED_INDEX_FILE)
