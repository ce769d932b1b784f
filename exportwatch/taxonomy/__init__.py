"""The taxonomy: sectors and markets (countries, trade blocs, UN M49 regions).

Load it once with :func:`load_taxonomy` (it validates both files and raises
:class:`~exportwatch.errors.ConfigError` on the first problem), then use
``taxonomy.sectors`` and ``taxonomy.markets``. See ``docs/taxonomy.md``.
"""

from exportwatch.taxonomy.codes import HS_CHAPTERS, LANGUAGES, NACE_DIVISIONS
from exportwatch.taxonomy.countries import (
    CLDR_LOCALES,
    alpha2_of,
    country_codes,
    country_name,
    find_country,
    is_country_code,
)
from exportwatch.taxonomy.loading import (
    DEFAULT_CONFIG_DIR,
    MARKETS_FILE,
    SECTORS_FILE,
    Taxonomy,
    load_markets,
    load_sectors,
    load_taxonomy,
)
from exportwatch.taxonomy.markets import Grouping, GroupingKind, Markets, Membership
from exportwatch.taxonomy.sectors import Sector, Sectors

__all__ = [
    "CLDR_LOCALES",
    "DEFAULT_CONFIG_DIR",
    "HS_CHAPTERS",
    "LANGUAGES",
    "MARKETS_FILE",
    "NACE_DIVISIONS",
    "SECTORS_FILE",
    "Grouping",
    "GroupingKind",
    "Markets",
    "Membership",
    "Sector",
    "Sectors",
    "Taxonomy",
    "alpha2_of",
    "country_codes",
    "country_name",
    "find_country",
    "is_country_code",
    "load_markets",
    "load_sectors",
    "load_taxonomy",
]
