"""Fixed code lists the taxonomy is checked against: languages, NACE divisions, HS chapters."""

from __future__ import annotations

__all__ = ["HS_CHAPTERS", "LANGUAGES", "NACE_DIVISIONS"]

#: The working languages: every sector has names and keywords in each (ISO 639-1).
LANGUAGES: tuple[str, ...] = ("en", "de", "fr", "es", "pt", "nl", "nb", "id")

#: The 88 divisions of NACE Rev. 2 (sections A-U), as two-digit strings.
NACE_DIVISIONS: frozenset[str] = frozenset(
    f"{n:02d}"
    for n in (
        *range(1, 4),  # A agriculture, forestry and fishing
        *range(5, 10),  # B mining and quarrying
        *range(10, 34),  # C manufacturing
        35,  # D electricity, gas, steam
        *range(36, 40),  # E water supply, sewerage, waste
        *range(41, 44),  # F construction
        *range(45, 48),  # G wholesale and retail trade
        *range(49, 54),  # H transportation and storage
        *range(55, 57),  # I accommodation and food service
        *range(58, 64),  # J information and communication
        *range(64, 67),  # K financial and insurance
        68,  # L real estate
        *range(69, 76),  # M professional, scientific and technical
        *range(77, 83),  # N administrative and support
        84,  # O public administration and defence
        85,  # P education
        *range(86, 89),  # Q human health and social work
        *range(90, 94),  # R arts, entertainment and recreation
        *range(94, 97),  # S other services
        *range(97, 99),  # T households as employers
        99,  # U extraterritorial organisations
    )
)

#: Harmonized System chapters 01-97; chapter 77 is reserved for future use and never valid.
HS_CHAPTERS: frozenset[str] = frozenset(f"{n:02d}" for n in range(1, 98) if n != 77)
