"""Vocabulary and compiled patterns for reading dates in the working languages.

Month and weekday names come from CLDR (Babel); period words (quarters, halves, seasons), range
connectors, relative words and role cues are hand-written here, because CLDR does not have them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from babel import Locale

from exportwatch.analysis import fold

__all__ = [
    "AND_BEFORE",
    "ATOM",
    "BETWEEN_BEFORE",
    "CONNECTOR",
    "CUE",
    "CUE_AFTER",
    "CUE_FILLER",
    "CUE_ROLES",
    "END_OF_BEFORE",
    "GAZETTE_AFTER",
    "LANGUAGES",
    "MONTHS",
    "NO_DATE",
    "ORDINALS",
    "RELATIVE_ANCHORED",
    "RELATIVE_SPAN",
    "RISKY_MONTHS",
    "SEASONS",
    "SUBMISSION",
    "TIME_AFTER",
    "UNITS",
    "WINDOW_BEFORE",
    "ZONE_AFTER",
    "ZONE_OFFSETS",
    "relative_words",
]

LANGUAGES = ("en", "de", "fr", "es", "pt", "nl", "nb", "id", "it")

# Spellings CLDR lacks: Austrian, transliterated and common short forms.
_EXTRA_MONTHS = {
    "jänner": 1, "jaenner": 1, "feber": 2, "mrz": 3, "maerz": 3, "agt": 8, "setiembre": 9,
    "sept": 9, "octobre": 10, "dezember": 12,
}  # fmt: skip
# Month abbreviations that are also everyday words; a date without a year using them in
# lower case is not trusted in free text ("set 10 rules", "mar del Plata", "out 3 times").
RISKY_MONTHS = frozenset({"set", "out", "mar", "may", "ago", "des", "gen", "mag"})


def _add_name(table: dict[str, int], name: str, number: int) -> None:
    key = name.lower().rstrip(".")
    for variant in {key, fold(key)}:
        if len(variant) >= 3:
            table.setdefault(variant, number)


def _month_table() -> dict[str, int]:
    table: dict[str, int] = {}
    for language in LANGUAGES:
        months = Locale.parse(language).months
        for context in ("format", "stand-alone"):
            for width in ("wide", "abbreviated"):
                for number, name in months[context][width].items():
                    _add_name(table, name, number)
    for name, number in _EXTRA_MONTHS.items():
        _add_name(table, name, number)
    return table


def _weekday_names() -> set[str]:
    names: set[str] = set()
    for language in LANGUAGES:
        days = Locale.parse(language).days
        for context in ("format", "stand-alone"):
            for width in ("wide", "abbreviated"):
                for name in days[context][width].values():
                    key = name.lower().rstrip(".")
                    names.update(v for v in {key, fold(key), key.split("-")[0]} if len(v) >= 3)
    return names


MONTHS: Mapping[str, int] = _month_table()


def _alternation(words: Iterable[str]) -> str:
    """A regex matching any of `words`, as a trie: Python's `re` tries the branches of a plain
    alternation one by one at every position, which made scanning long text ten times slower."""
    trie: dict[str, dict[str, Any]] = {}
    for word in words:
        node = trie
        for char in word.lower():
            node = node.setdefault(char, {})
        node[""] = {}
    return _trie_pattern(trie)


def _phrases(words: Iterable[str]) -> str:
    """A trie alternation of phrases whose spaces match any run of white space."""
    return "(?:" + _alternation(words).replace(r"\ ", r"\s+") + ")"


def _trie_pattern(node: dict[str, dict[str, Any]]) -> str:
    branches = [
        re.escape(char) + _trie_pattern(child) for char, child in sorted(node.items()) if char
    ]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if "" in node else body


_MONTH_ALT = _alternation(MONTHS)
_WEEKDAY_ALT = _alternation(_weekday_names())

# Ordinal words 1-4 in the working languages (quarters and halves).
ORDINALS: Mapping[str, int] = {
    **dict.fromkeys(("first", "erste", "ersten", "erstes", "premier", "première", "premiere",
                     "primer", "primero", "primeiro", "eerste", "første", "forste", "pertama",
                     "kesatu", "i"), 1),
    **dict.fromkeys(("second", "zweite", "zweiten", "zweites", "deuxième", "deuxieme",
                     "seconde", "segundo", "tweede", "andre", "kedua", "ii"), 2),
    **dict.fromkeys(("third", "dritte", "dritten", "drittes", "troisième", "troisieme",
                     "tercer", "tercero", "terceiro", "derde", "tredje", "ketiga", "iii"), 3),
    **dict.fromkeys(("fourth", "vierte", "vierten", "viertes", "quatrième", "quatrieme",
                     "cuarto", "quarto", "vierde", "fjerde", "keempat", "iv"), 4),
}  # fmt: skip
_ORD_ALT = _alternation(ORDINALS)
_ORD_SUFFIX = r"(?:st|nd|rd|th|ème|eme|er|re|e|\.?[º°ª]|\.er|\.)?"
_QUARTER_WORDS = _phrases(
    ("quarter", "quartal", "quartals", "trimestre", "kwartaal", "kvartal", "kvartalet", "kuartal",
     "triwulan")
)  # fmt: skip
_HALF_WORDS = _phrases(
    ("half", "half-year", "halbjahr", "halbjahres", "jahreshälfte", "semestre", "semester",
     "helft", "halvår", "halvåret", "halvdel", "halvdelen", "paruh", "paruh tahun")
)  # fmt: skip
_SEASON_WORDS = {
    **dict.fromkeys(("spring", "frühjahr", "frühling", "printemps", "primavera", "voorjaar",
                     "lente", "vår", "våren", "musim semi"), "spring"),
    **dict.fromkeys(("summer", "sommer", "sommeren", "été", "verano", "verão", "zomer",
                     "musim panas"), "summer"),
    **dict.fromkeys(("autumn", "fall", "herbst", "automne", "otoño", "outono", "najaar",
                     "herfst", "høst", "høsten", "musim gugur"), "autumn"),
    **dict.fromkeys(("winter", "hiver", "invierno", "inverno", "vinter", "vinteren",
                     "musim dingin"), "winter"),
}  # fmt: skip
# Folded spellings too ("Fruhjahr", "ete"), except where folding makes a common word (vår, høst).
_FOLDS_TO_WORDS = {"var", "varen", "host", "hosten"}
SEASONS: Mapping[str, str] = {
    **{
        fold(word): name
        for word, name in _SEASON_WORDS.items()
        if fold(word) not in _FOLDS_TO_WORDS
    },
    **_SEASON_WORDS,
}
_SEASON_ALT = _phrases(SEASONS)

_OF = r"(?:of|de|del|do|da|van|av|tahun)"
_YEAR = r"[12]\d{3}(?!\d)"
_PERIOD_SEP = rf"(?:\s*{_OF}\b)?\s*[,/'-]?\s*"


def _day(group: str) -> str:
    return rf"(?P<{group}>3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th|er|re|e|\.?[º°ª]|\.)?(?!\d)"


def _month(group: str) -> str:
    return rf"(?P<{group}>{_MONTH_ALT})\.?(?!\w)"


# One alternation over every form a date takes, split by whether the form starts with a digit
# or a letter (a position then tries only half the forms). The outer group names tell the forms
# apart; within each half the order matters: the first form that matches at a position wins.
_DIGIT_FORMS = (
    # ISO 8601 date with optional time, and ISO intervals 2027-06-03/06, /06-08, /2027-06-08.
    r"(?P<iso>(?P<iso_y>\d{4})(?P<iso_sep>[-/.])(?P<iso_m>\d{1,2})(?P=iso_sep)(?P<iso_d>\d{1,2})"
    r"(?:[T ]\d\d:\d\d(?::\d\d(?:[.,]\d+)?)?(?:\s?(?:Z|[+-]\d\d(?::?\d\d)?))?)?"
    r"(?:\s?/\s?(?:(?P<iso_y2>\d{4})-)?(?:(?P<iso_m2>\d\d)-)?(?P<iso_d2>\d\d)(?![\d:]))?)(?!\d)",
    r"(?P<isom>(?P<isom_y>\d{4})-(?P<isom_m>0[1-9]|1[0-2]))(?![\d-])",
    r"(?P<num>(?P<num_a>\d{1,2})(?P<num_sep>[./-])(?P<num_b>\d{1,2})(?P=num_sep)"
    r"(?P<num_y>\d{4}|\d{2}))(?!\d|\.\d)",
    rf"(?P<qn>(?:(?P<qn_b>[1-4])\s?q|(?P<qn_c>[1-4]){_ORD_SUFFIX}\s*{_QUARTER_WORDS})(?!\w)"
    rf"{_PERIOD_SEP}(?P<qn_y>{_YEAR}))",
    rf"(?P<hn>(?:(?P<hn_b>[12])\s?h|(?P<hn_c>[12]){_ORD_SUFFIX}\s*{_HALF_WORDS})(?!\w)"
    rf"{_PERIOD_SEP}(?P<hn_y>{_YEAR}))",
    rf"(?P<tdmy>{_day('tdmy_d')}(?:[\s.‐‑-]*(?:of|de|di)\s+|[\s.‐‑-]*){_month('tdmy_m')}"
    rf"(?:[\s,.-]*(?:(?:de|del|of)\s+)?(?P<tdmy_y>{_YEAR}))?)",
    r"(?P<nmy>(?P<nmy_m>0?[1-9]|1[0-2])[/.](?P<nmy_y>[12]\d{3}))(?!\d|[./]\d)",
    # "15.03." and "15/03" ("12/13 June" is two days, not a day and a month)
    r"(?P<ndm>(?P<ndm_a>\d{1,2})(?:\.(?P<ndm_b>\d{1,2})\.|/(?P<ndm_c>\d{1,2})(?![/\d]|\s*[^\W\d])))"
    r"(?!\d)",
    rf"(?P<dy>{_day('dy_d')},\s*(?P<dy_y>{_YEAR}))",
    rf"(?P<bd>{_day('bd_d')})(?![\w:])",
    r"(?P<by>(?P<by_y>[12]\d{3}))(?!\d|[/.,:]\d)",
)
_LETTER_FORMS = (
    # Quarters and halves: "Q3 2027", "H1 2027", "first half of 2027", "Kuartal ke-3 2027".
    rf"(?P<p>(?:q\s?(?P<p_q>[1-4])|[hs](?P<p_h>[12])"
    rf"|(?P<p_w>{_ORD_ALT})\.?\s*(?:(?P<p_qw>{_QUARTER_WORDS})|{_HALF_WORDS})"
    rf"|(?:(?P<p_qw2>{_QUARTER_WORDS})|{_HALF_WORDS})\s*(?:ke-?\s*)?"
    rf"(?:(?P<p_n>[1-4])|(?P<p_w2>{_ORD_ALT})))(?!\w){_PERIOD_SEP}(?P<p_y>{_YEAR}))",
    rf"(?P<s>(?P<s_w>{_SEASON_ALT})(?!\w){_PERIOD_SEP}(?P<s_y>{_YEAR})"
    r"(?:\s*/\s*(?P<s_y2>\d{4}|\d{2})(?!\d))?)",
    # A month name, then a day ("March 12, 2027"), a year ("March 2027") or nothing.
    rf"(?P<mon>{_month('mon_m')}(?:[^\S\n]*{_day('mon_d')}(?:\s*,?\s*(?P<mon_y>{_YEAR}))?"
    rf"(?![\w:])|[\s,.'/-]*(?:(?:de|del|of|do)\s+)?(?P<mon_yy>{_YEAR}))?)",
)
ATOM = re.compile(
    rf"(?<![\w.,:])(?<!\d{{4}}/)(?:(?=\d)(?:{'|'.join(_DIGIT_FORMS)})|(?=[^\W\d_])(?:{'|'.join(_LETTER_FORMS)}))",
    re.IGNORECASE,
)

_CONNECTOR_WORDS = (
    r"[-–—‐‑−~/&+]+|to|till?|until|through|thru|bis(?:\s+(?:zum|einschließlich))?|au"
    r"|jusqu'au|al|a|hasta(?:\s+el)?|até(?:\s+(?:ao|à))?|ao|t/m|tot(?:\s+en\s+met)?|til"
    r"|sampai(?:\s+dengan)?|hingga|s\.?/?d\.?"
)
_FILLER = rf"(?:(?:le|el|o|den|the|dem|zum)\s+)?(?:(?:{_WEEKDAY_ALT})\.?,?\s*)?"
CONNECTOR = re.compile(rf"\s*(?:{_CONNECTOR_WORDS})\s*{_FILLER}", re.IGNORECASE)
AND_BEFORE = re.compile(rf"\s*(?:and|und|et|y|e|en|og|dan)\s+{_FILLER}", re.IGNORECASE)
BETWEEN_BEFORE = re.compile(
    r"(?:between|zwischen(?:\s+dem)?|entre(?:\s+(?:le|el|o))?|tussen|mellom|antara)\s*$",
    re.IGNORECASE,
)
_END_OF = (
    r"(?:\bend(?:\s+of|-)|\bende|\bfin(?:\s+de|\s+d')?|\bfinales\s+de|\bfinal\s+de|\bfim\s+de"
    r"|\beind|\beinde|\bslutten\s+av|\butgangen\s+av|\bakhir(?:\s+bulan)?|\bultimo)"
)
END_OF_BEFORE = re.compile(rf"{_END_OF}\s*(?:the\s+)?$", re.IGNORECASE)

UNITS: Mapping[str, tuple[str, ...]] = {
    "day": ("day", "days", "tag", "tage", "tagen", "jour", "jours", "día", "días", "dia", "dias",
            "dag", "dagen", "dager", "hari"),
    "week": ("week", "weeks", "woche", "wochen", "semaine", "semaines", "semana", "semanas",
             "weken", "uke", "uker", "minggu", "pekan"),
    "month": ("month", "months", "monat", "monate", "monaten", "mois", "mes", "meses", "mês",
              "maand", "maanden", "måned", "måneder", "bulan"),
    "year": ("year", "years", "jahr", "jahre", "jahren", "an", "ans", "année", "années", "año",
             "años", "ano", "anos", "jaar", "jaren", "år", "tahun"),
}  # fmt: skip


_UNIT_ALT = "|".join(f"(?P<u_{name}>{_alternation(words)})" for name, words in UNITS.items())
_FUTURE_PREFIX = _phrases(("in", "within", "dans", "en", "dentro de", "em", "daqui a", "over",
                           "binnen", "om", "innen", "dalam"))  # fmt: skip
_PAST_PREFIX = _phrases(("vor", "il y a", "hace", "há"))
_FUTURE_SUFFIX = _phrases(("from now", "later", "plus tard", "más tarde", "später", "lagi",
                           "kemudian"))  # fmt: skip
_PAST_SUFFIX = _phrases(("ago", "geleden", "siden", "yang lalu", "lalu"))
_NUMBER_WORDS = _alternation(("a", "an", "one", "ein", "eine", "einem", "einen", "einer",
                              "un", "une", "uno", "una", "um", "uma", "een", "én", "ett",
                              "satu"))  # fmt: skip
RELATIVE_SPAN = re.compile(
    rf"(?<!\w)(?:(?P<fut>{_FUTURE_PREFIX})\s+|(?P<past>{_PAST_PREFIX})\s+)?"
    rf"(?P<n>\d{{1,3}}|{_NUMBER_WORDS})\s+(?:{_UNIT_ALT})(?!\w)"
    rf"(?:\s+(?:(?P<fut2>{_FUTURE_SUFFIX})|(?P<past2>{_PAST_SUFFIX}))(?!\w))?",
    re.IGNORECASE,
)
_ANCHORS = (
    r"notifica(?:tion|ción|ção)|notifizierung|notifikation|kennisgeving|notifisering|notifikasi"
    r"|notificatie|notifikasjon(?:en)?|publica(?:tion|ción|ção|tie)|veröffentlichung|publisering"
    r"|publikasi|distribu(?:tion|ción|ição)|diffusion"
    r"|circulation|receipt|today|now"
)
RELATIVE_ANCHORED = re.compile(
    rf"(?<!\w)(?P<n>\d{{1,3}})\s+(?:calendar\s+|kalender)?(?:{_UNIT_ALT})\s+(?:from|after"
    r"|following|of|à\s+compter\s+de|après|suivant|a\s+partir\s+de|después\s+de|desde|nach|após"
    r"|a\s+contar\s+d[ae]|na|etter|fra|setelah|sejak)\s+(?:(?:the|la|l'|der|dem|de|da|het|a|o)\s*)?"
    r"(?:(?:date\s+of|fecha\s+de|date\s+de|data\s+d[ae]|datum\s+(?:van|der)|tanggal)\s+"
    r"(?:(?:the|la|l'|a|der)\s*)?)?"
    rf"(?P<anchor>{_ANCHORS})",
    re.IGNORECASE,
)

# Relative day words per language, in days from the fetch time.
_RELATIVE_WORDS = {
    "en": {"today": 0, "tomorrow": 1, "yesterday": -1, "the day after tomorrow": 2},
    "de": {"heute": 0, "morgen": 1, "übermorgen": 2, "gestern": -1},
    "fr": {"aujourd'hui": 0, "aujourd’hui": 0, "demain": 1, "après-demain": 2, "hier": -1},
    "es": {"hoy": 0, "mañana": 1, "pasado mañana": 2, "ayer": -1},
    "pt": {"hoje": 0, "amanhã": 1, "depois de amanhã": 2, "ontem": -1},
    "nl": {"vandaag": 0, "morgen": 1, "overmorgen": 2, "gisteren": -1},
    "nb": {"i dag": 0, "i morgen": 1, "i overmorgen": 2, "i går": -1},
    "id": {"hari ini": 0, "besok": 1, "lusa": 2, "kemarin": -1},
    "it": {"oggi": 0, "domani": 1, "dopodomani": 2, "ieri": -1},
}


@lru_cache(maxsize=64)
def relative_words(languages: tuple[str, ...]) -> tuple[re.Pattern[str], dict[str, int]]:
    """A pattern for the relative day words of `languages` (all when empty) and their offsets."""
    chosen = [lang for lang in languages if lang in _RELATIVE_WORDS] or list(_RELATIVE_WORDS)
    table: dict[str, int] = {}
    for language in chosen:
        table.update(_RELATIVE_WORDS[language])
    pattern = re.compile(rf"(?<!\w)(?:{_alternation(table)})(?!\w)", re.IGNORECASE)
    return pattern, table


# Time of day and zone after a date: "10:00:00 GMT", "14h30", "3 p.m. EST", "um 10 Uhr".
ZONE_OFFSETS: Mapping[str, int] = {
    "z": 0, "ut": 0, "utc": 0, "gmt": 0, "wet": 0, "bst": 60, "west": 60, "cet": 60, "mez": 60,
    "cest": 120, "mesz": 120, "eet": 120, "eest": 180, "msk": 180, "ist": 330, "wib": 420,
    "ict": 420, "wita": 480, "sgt": 480, "hkt": 480, "awst": 480, "wit": 540, "jst": 540,
    "kst": 540, "aest": 600, "aedt": 660, "nzst": 720, "nzdt": 780, "est": -300, "edt": -240,
    "cst": -360, "cdt": -300, "mst": -420, "mdt": -360, "pst": -480, "pdt": -420, "brt": -180,
    "art": -180,
}  # fmt: skip
_ZONE = (
    r"\s*\(?(?P<z>(?:utc|gmt)\s*[+-]\s*\d{1,2}(?::?\d\d)?|[+-]\d\d:?\d\d"
    rf"|{_alternation(ZONE_OFFSETS)}|[a-z]+/[a-z_]+(?:/[a-z_]+)?)(?!\w)\)?"
)
TIME_AFTER = re.compile(
    r"\s*(?:,|at|um|à|a\s+las|às|om|kl\.?|klokken|pukul|pkl\.?|-|–)?\s*"
    r"(?P<h>[01]?\d|2[0-3])(?:(?:[:.]|h(?=\d))(?P<mi>[0-5]\d)(?::(?P<s>[0-5]\d)(?:[.,]\d+)?)?"
    r"|(?=\s*[ap]\.?m\b|\s*uhr|\s*h\b))"
    rf"\s*(?P<ap>[ap]\.?m\.?)?\s*(?:uhr|h|horas|hrs|timer)?(?!\w)(?:{_ZONE})?",
    re.IGNORECASE,
)
ZONE_AFTER = re.compile(_ZONE, re.IGNORECASE)

# Role cues, matched in the lower-cased text before a date (any spacing); the nearest cue
# that applies wins. German and Norwegian deadline compounds (Einreichungsfrist, søknadsfrist)
# end in -frist. Besides the four roles, `dates` reads four kinds of cue only where they apply:
#   notified: a notification's date, which "60 days from notification" counts from (published);
#   until:    a preposition that makes a deadline right before a date and after a word for
#             applying or registering (`SUBMISSION`): "apply until", "Anträge … bis zum";
#   from:     a preposition that makes an effective date right before a single date: "ab dem";
#   signup:   a registration noun right before a date: "Anmeldung: 26.05.", "inscriptions le".
_CUE_PHRASES = {
    "deadline": (
        "deadline", "deadlines", "dead-line", "closing date", "closes", "closes on", "closing",
        "close on", "closing on", "apply by", "apply before", "applications by",
        "applications until", "applications close", "submit by", "submitted by",
        "submissions by", "register by", "registration closes", "due date", "due",
        "comments by", "comments until", "final date for comments", "last date",
        "last day", "no later than", "frist", "anmeldeschluss", "einsendeschluss",
        "bewerbungsschluss", "antragsschluss", "abgabeschluss", "einreichungsschluss",
        "annahmeschluss", "redaktionsschluss", "abgabetermin", "einreichtermin",
        "einreichungstermin", "letzter termin", "spätestens", "stichtag", "date limite",
        "date-limite", "dates limites", "date butoir", "clôture", "clôture des inscriptions",
        "au plus tard", "échéance", "délai", "plazo", "fecha límite", "fecha tope",
        "fecha de cierre", "a más tardar", "cierre", "prazo", "data limite", "data-limite",
        "encerramento", "uiterste datum", "sluitingsdatum", "uiterlijk", "senest",
        "batas waktu", "batas akhir", "tanggal akhir", "tenggat", "tenggat waktu", "ditutup",
        "paling lambat", "selambat-lambatnya", "scadenza", "entro il",
    ),
    "effective": (
        "entry into force", "enter into force", "enters into force", "come into force",
        "comes into force", "in force from", "in force as of", "effective", "effective date",
        "effective from", "effective as of", "takes effect", "take effect", "applies from",
        "apply from", "applicable from", "date of application", "valid from", "gilt ab",
        "gültig ab", "wirksam ab", "inkrafttreten", "in kraft ab", "anwendbar ab",
        "entrée en vigueur", "en vigueur", "entre en vigueur", "entrera en vigueur",
        "entreront en vigueur", "s'applique", "s'appliquent", "s'appliquera", "s’applique",
        "s’appliquent", "applicable à partir du", "applicable dès le", "prend effet",
        "entrada en vigor", "en vigor", "entra en vigor", "entrará en vigor", "vigencia",
        "vigente", "vigente desde", "aplicable a partir del", "vigência", "entrada em vigor",
        "em vigor", "entra em vigor", "entrará em vigor", "vigora", "vigorará",
        "inwerkingtreding", "van kracht", "treedt in werking", "geldig vanaf", "gaat in",
        "ingaande", "ikrafttredelse", "ikrafttreden", "trer i kraft", "gjelder fra",
        "i kraft fra", "med virkning fra", "berlaku", "mulai berlaku", "berlaku mulai",
        "berlaku efektif", "efektif", "diberlakukan", "entrata in vigore", "in vigore",
    ),
    "published": (
        "published", "published on", "publication date", "date of publication", "posted",
        "posted on", "issued", "issued on", "release date", "released", "veröffentlicht",
        "veröffentlicht am", "veröffentlichungsdatum", "erschienen", "erschienen am",
        "datum der veröffentlichung", "publiziert", "publié", "publiée", "publié le",
        "date de publication", "date de diffusion", "mis en ligne", "publicado", "publicada",
        "fecha de publicación", "data de publicação", "gepubliceerd", "publicatiedatum",
        "datum van publicatie", "publisert", "publiseringsdato", "diterbitkan",
        "dipublikasikan", "tanggal terbit", "pubblicato",
    ),
    "notified": (
        "notified", "notified on", "notification", "notification date", "date of notification",
        "notification dated", "circulated", "circulated on", "date of circulation",
        "distributed", "distributed on", "date of distribution", "distribution date",
        "notifié", "notifiée", "notifié le", "date de notification", "distribué", "distribué le",
        "distribuée le", "date de distribution", "notificado", "notificada", "notificación",
        "fecha de notificación", "fecha de distribución", "notificação", "notificado em",
        "data de notificação", "data de distribuição", "notifiziert", "notifizierung",
        "datum der notifizierung", "genotificeerd", "notificatie", "datum van notificatie",
        "kennisgeving", "notifisert", "notifikasjon", "notifikasjonen", "notifisering",
        "notifikasi", "dinotifikasi", "menotifikasi", "tanggal notifikasi",
    ),
    "period": (
        "dates", "when", "takes place", "take place", "will take place", "held", "will be held",
        "is held", "runs from", "event date", "event dates", "fair dates", "exhibition dates",
        "findet statt", "finden statt", "findet", "finden", "termin", "termine", "messetermin",
        "laufzeit", "veranstaltungsdatum", "se tiendra", "se tient", "se déroulera",
        "se déroule", "aura lieu", "se celebrará", "se celebra", "tendrá lugar", "se realizará",
        "fechas", "realizar-se-á", "será realizada", "será realizado", "acontece",
        "acontecerá", "datas", "vindt plaats", "wordt gehouden", "finner sted", "arrangeres",
        "avholdes", "datoer", "berlangsung", "diselenggarakan", "dilaksanakan", "digelar",
        "waktu pelaksanaan", "si terrà", "si svolgerà",
    ),
    "until": (
        "until", "till", "by", "before", "within", "bis", "bis zum", "bis spätestens",
        "bis einschließlich", "vor dem", "innerhalb", "innerhalb von", "jusqu'au", "jusqu’au",
        "jusqu'à", "jusqu’à", "avant le", "avant", "d'ici le", "dans un délai de", "hasta",
        "hasta el", "antes del", "antes de", "dentro de", "até", "até ao", "até à", "até dia",
        "no prazo de", "tot", "tot en met", "t/m", "vóór", "voor", "binnen", "innen", "til",
        "før", "hingga", "sampai", "sampai dengan", "s.d.", "s/d", "sebelum", "dalam waktu",
    ),
    "from": (
        "from", "as of", "as from", "on or after", "on and after", "with effect from",
        "starting", "starting from", "ab", "ab dem", "à compter du", "à compter de",
        "à partir du", "à partir de", "dès le", "a partir de", "a partir del", "desde",
        "desde el", "vanaf", "met ingang van", "per", "fra", "fra og med", "f.o.m.", "mulai",
        "mulai tanggal", "terhitung mulai", "sejak", "sejak tanggal",
    ),
    "signup": (
        "registration", "registrations", "anmeldung", "registrierung", "inscription",
        "inscriptions", "pré-inscription", "inscripción", "inscripciones", "inscrição",
        "inscrições", "aanmelding", "aanmelden", "inschrijving", "inschrijven", "påmelding",
        "pendaftaran", "registrasi",
    ),
}  # fmt: skip
CUE_ROLES: Mapping[str, str] = {
    phrase: role for role, phrases in _CUE_PHRASES.items() for phrase in phrases
}
CUE = re.compile(rf"(?<!\w){_phrases(CUE_ROLES)}(?!\w)|frist(?:en|ene)?(?!\w)")
CUE_AFTER = re.compile(
    r"\s*(?:in\s+kraft|i\s+kraft|in\s+werking|en\s+vigueur|en\s+vigor)(?!\w)", re.I
)
# What may stand between a preposition cue and its date: "bis zum", "until Friday,", "bis Ende",
# "até às 17h59 de".
_FILLER_WORDS = (
    "the", "le", "la", "l'", "el", "lo", "o", "a", "à", "às", "ao", "dem", "den", "der", "zum",
    "zur", "het", "de", "du", "del", "da", "do", "on", "am", "op", "pada", "tanggal", "dia",
    "spätestens", "latest", "uiterlijk", "senest", "einschließlich", "inclusive",
)  # fmt: skip
CUE_FILLER = re.compile(
    rf"[\s:,–—-]*(?:(?:{_alternation(_FILLER_WORDS)})[\s,]+)*"
    r"(?:\d{1,2}[:.h]\d\d\s*(?:h|uhr|horas)?\s*(?:(?:de|del|on|am|le)\s+|,\s*)?)?"
    rf"(?:(?:{_WEEKDAY_ALT})\.?,?\s*)?(?:{_END_OF}\s*(?:the\s+)?)?",
    re.IGNORECASE,
)
# Words for applying, registering or commenting (stems), which make "until" a deadline cue.
_SUBMISSION_STEMS = (
    "apply", "applying", "application", "applicant", "regist", "pre-regist", "submi", "enrol",
    "sign up", "expression of interest", "expressions of interest", "proposal", "comment",
    "bid", "entries", "nominat", "request", "anmeld", "antrag", "anträg", "beantrag", "bewerb",
    "einreich", "eingereicht", "einsend", "stellungnahm", "vorschläg", "inscri", "pré-inscri",
    "candidat", "demande", "dépos", "dépôt", "soumi", "soumett", "dossier", "observation",
    "commentaire", "manifestation", "postul", "solicit", "candidatur", "presenta", "comentario",
    "comentário", "manifestac", "manifestaç", "propuesta", "propost", "pedido", "submet",
    "aanmeld", "inschrijv", "inschrijf", "aanvra", "indien", "ingediend", "opmerking", "reactie",
    "sollicit", "søk", "påmeld", "meld", "innspill", "kommentar", "innsend", "pengajuan",
    "ajukan", "diajukan", "mengajukan", "pendaftaran", "daftar", "mendaftar", "usulan",
    "tanggapan", "masukan", "permohonan", "lamaran",
)  # fmt: skip
SUBMISSION = re.compile(rf"(?<!\w)(?:{_alternation(_SUBMISSION_STEMS)})", re.IGNORECASE)
# Words between a word for applying and a range that make the range an application window:
# "Aanvragen: van 1 februari tot en met 31 maart", "les candidatures sont ouvertes du … au …".
_WINDOW_VERBS = (
    "is", "are", "will", "be", "can", "accepted", "received", "open", "opens", "ist", "sind",
    "kann", "können", "werden", "möglich", "geöffnet", "est", "sont", "seront", "ouvert",
    "ouverte", "ouverts", "ouvertes", "acceptées", "reçues", "se", "reciben", "están",
    "estarán", "abierto", "abierta", "abiertas", "estão", "aberto", "aberta", "abertas",
    "decorre", "decorrem", "zijn", "kan", "kunnen", "mogelijk", "er", "åpen", "åpent", "dibuka",
    "dapat", "diajukan",
)  # fmt: skip
_WINDOW_FROM = (
    "from", "between", "von", "vom", "zwischen", "du", "entre", "del", "de", "desde", "van",
    "tussen", "fra", "mellom", "dari", "antara", "mulai",
)  # fmt: skip
WINDOW_BEFORE = re.compile(
    rf"(?<!\w)(?:{_alternation(_SUBMISSION_STEMS)})\w*\s*:?\s*"
    rf"(?:(?:{_alternation(_WINDOW_VERBS)})\s+)*(?:(?:{_alternation(_WINDOW_FROM)})\s+)?"
    r"(?:(?:the|le|el|o|dem|den)\s+)?$",
    re.IGNORECASE,
)
# "180 days after publication in the Official Gazette": counted from a day not yet known.
GAZETTE_AFTER = re.compile(
    r"[^.;\n]{0,40}?(?<!\w)(?:gazette|journal|diário|diario|boletín|boletim|bulletin|amtsblatt"
    r"|\w*gesetzblatt|staatsblad|staatscourant|lovtidend|berita\s+negara|lembaran\s+negara"
    r"|register)",
    re.IGNORECASE,
)

# Field values that say there is no date; read at once instead of asking dateparser (~0.2 ms).
_NO_DATE_PHRASES = (
    "n/a", "na", "tba", "tbc", "tbd", "to be announced", "to be confirmed", "to be determined",
    "ongoing", "open", "rolling", "rolling basis", "continuous", "permanent",
    "until further notice", "none", "unknown", "laufend", "fortlaufend", "jederzeit",
    "noch offen", "unbekannt", "keine", "en continu", "à confirmer", "à déterminer",
    "non communiqué", "por confirmar", "por determinar", "abierta", "permanente", "a confirmar",
    "a definir", "doorlopend", "nog te bepalen", "onbekend", "løpende", "fortløpende",
    "ikke fastsatt", "berkelanjutan", "akan diumumkan", "belum ditentukan",
)  # fmt: skip
NO_DATE = re.compile(rf"\W*{_phrases(_NO_DATE_PHRASES)}\W*", re.IGNORECASE)
