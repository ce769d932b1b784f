"""The fixed strings of alert emails in each supported language, and locale-aware dates.

A dict catalog (a handful of strings, no build step): a missing string or language falls back
to English. Dates use Babel (CLDR) in the subscriber's locale, times in their time zone.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError
from babel.dates import format_interval, format_skeleton, format_time, format_timedelta

__all__ = [
    "CATALOG",
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "Translator",
    "catalog_language",
    "translator",
]

DEFAULT_LANGUAGE = "en"

# A plural entry maps CLDR plural categories ("one", "other", ...) to text; "other" is required.
Entry = str | Mapping[str, str]

_EN: dict[str, Entry] = {
    "digest.subject": {"one": "{count} new export alert", "other": "{count} new export alerts"},
    "digest.subject_closing": {
        "one": "{count} deadline closing soon",
        "other": "{count} deadlines closing soon",
    },
    "digest.heading": "Your export digest",
    "digest.intro": {
        "one": "One new item matches your subscriptions.",
        "other": "{count} new items match your subscriptions.",
    },
    "digest.more_waiting": {
        "one": "One more item is waiting: it follows in your next email.",
        "other": "{count} more items are waiting: they follow in your next emails.",
    },
    "digest.intro_none": "Nothing new this time, but some deadlines are close.",
    "section.event": "Trade fairs and events",
    "section.finance": "Export finance",
    "section.regulation": "Market regulations",
    "section.other": "Other news",
    "section.closing_soon": "Closing soon",
    "closing_soon.intro": "Deadlines in the next 14 days for items we sent you before.",
    "label.dates": "Dates",
    "label.deadline": "Deadline",
    "label.effective": "In force from",
    "label.published": "Published",
    "label.place": "Place",
    "label.source": "Source",
    "label.reference": "Reference",
    "label.why": "Why you get this",
    "label.open": "Read more",
    "label.today": "today",
    "footer.reason": "You receive this email because you subscribed to export alerts "
    "from exportwatch.",
    "footer.manage": "Manage subscriptions",
    "footer.unsubscribe": "Unsubscribe",
    "footer.as_of": "Compiled {when}",
    "confirm.subject": "Please confirm your export alerts subscription",
    "confirm.heading": "Confirm your subscription",
    "confirm.greeting_name": "Hello {name},",
    "confirm.greeting": "Hello,",
    "confirm.body": "Someone, hopefully you, asked to receive export alerts from exportwatch "
    "at {email}. Until you confirm, we will send nothing else to this address.",
    "confirm.button": "Confirm subscription",
    "confirm.expiry": "The link is valid until {when}.",
    "confirm.ignore": "If you did not ask for this, simply ignore this email.",
}

_DE: dict[str, Entry] = {
    "digest.subject": {
        "one": "{count} neue Export-Meldung",
        "other": "{count} neue Export-Meldungen",
    },
    "digest.subject_closing": {
        "one": "{count} Frist läuft bald ab",
        "other": "{count} Fristen laufen bald ab",
    },
    "digest.heading": "Ihr Export-Überblick",
    "digest.intro": {
        "one": "Ein neuer Eintrag passt zu Ihren Abonnements.",
        "other": "{count} neue Einträge passen zu Ihren Abonnements.",
    },
    "digest.more_waiting": {
        "one": "Ein weiterer Eintrag wartet: Er folgt mit Ihrer nächsten E-Mail.",
        "other": "{count} weitere Einträge warten: Sie folgen mit Ihren nächsten E-Mails.",
    },
    "digest.intro_none": "Diesmal gibt es nichts Neues, aber einige Fristen laufen bald ab.",
    "section.event": "Messen und Veranstaltungen",
    "section.finance": "Exportförderung und -finanzierung",
    "section.regulation": "Marktvorschriften",
    "section.other": "Weitere Meldungen",
    "section.closing_soon": "Fristen laufen bald ab",
    "closing_soon.intro": "Fristen in den nächsten 14 Tagen zu Einträgen, die wir Ihnen "
    "bereits geschickt haben.",
    "label.dates": "Termin",
    "label.deadline": "Frist",
    "label.effective": "In Kraft ab",
    "label.published": "Veröffentlicht",
    "label.place": "Ort",
    "label.source": "Quelle",
    "label.reference": "Referenz",
    "label.why": "Warum Sie das erhalten",
    "label.open": "Weiterlesen",
    "label.today": "heute",
    "footer.reason": "Sie erhalten diese E-Mail, weil Sie Export-Meldungen von exportwatch "
    "abonniert haben.",
    "footer.manage": "Abonnements verwalten",
    "footer.unsubscribe": "Abmelden",
    "footer.as_of": "Stand: {when}",
    "confirm.subject": "Bitte bestätigen Sie Ihr Abonnement der Export-Meldungen",
    "confirm.heading": "Abonnement bestätigen",
    "confirm.greeting_name": "Guten Tag {name},",
    "confirm.greeting": "Guten Tag,",
    "confirm.body": "Jemand – hoffentlich Sie – möchte Export-Meldungen von exportwatch an "
    "{email} erhalten. Bis Sie bestätigen, senden wir nichts weiter an diese Adresse.",
    "confirm.button": "Abonnement bestätigen",
    "confirm.expiry": "Der Link ist gültig bis {when}.",
    "confirm.ignore": "Falls Sie das nicht angefordert haben, ignorieren Sie diese E-Mail einfach.",
}

_FR: dict[str, Entry] = {
    "digest.subject": {
        "one": "{count} nouvelle alerte export",
        "other": "{count} nouvelles alertes export",
    },
    "digest.subject_closing": {
        "one": "{count} échéance approche",
        "other": "{count} échéances approchent",
    },
    "digest.heading": "Votre sélection export",
    "digest.intro": {
        "one": "Un nouvel élément correspond à vos abonnements.",
        "other": "{count} nouveaux éléments correspondent à vos abonnements.",
    },
    "digest.more_waiting": {
        "one": "Un autre élément est en attente : il suivra dans votre prochain e-mail.",
        "other": "{count} autres éléments sont en attente : ils suivront dans vos "
        "prochains e-mails.",
    },
    "digest.intro_none": "Rien de nouveau cette fois, mais certaines échéances approchent.",
    "section.event": "Salons et événements",
    "section.finance": "Financement export",
    "section.regulation": "Réglementations des marchés",
    "section.other": "Autres actualités",
    "section.closing_soon": "Échéances proches",
    "closing_soon.intro": "Échéances dans les 14 prochains jours pour des éléments déjà envoyés.",
    "label.dates": "Dates",
    "label.deadline": "Date limite",
    "label.effective": "En vigueur le",
    "label.published": "Publié le",
    "label.place": "Lieu",
    "label.source": "Source",
    "label.reference": "Référence",
    "label.why": "Pourquoi vous recevez ceci",
    "label.open": "En savoir plus",
    "label.today": "aujourd'hui",
    "footer.reason": "Vous recevez cet e-mail car vous êtes abonné(e) aux alertes export "
    "d'exportwatch.",
    "footer.manage": "Gérer mes abonnements",
    "footer.unsubscribe": "Se désabonner",
    "footer.as_of": "Établi le {when}",
    "confirm.subject": "Merci de confirmer votre abonnement aux alertes export",
    "confirm.heading": "Confirmez votre abonnement",
    "confirm.greeting_name": "Bonjour {name},",
    "confirm.greeting": "Bonjour,",
    "confirm.body": "Quelqu'un, sans doute vous, a demandé à recevoir les alertes export "
    "d'exportwatch à l'adresse {email}. Tant que vous n'avez pas confirmé, nous n'enverrons "
    "rien d'autre à cette adresse.",
    "confirm.button": "Confirmer l'abonnement",
    "confirm.expiry": "Le lien est valable jusqu'au {when}.",
    "confirm.ignore": "Si vous n'êtes pas à l'origine de cette demande, ignorez simplement "
    "cet e-mail.",
}

_ES: dict[str, Entry] = {
    "digest.subject": {
        "one": "{count} nueva alerta de exportación",
        "other": "{count} nuevas alertas de exportación",
    },
    "digest.subject_closing": {
        "one": "{count} plazo vence pronto",
        "other": "{count} plazos vencen pronto",
    },
    "digest.heading": "Su resumen de exportación",
    "digest.intro": {
        "one": "Un nuevo elemento coincide con sus suscripciones.",
        "other": "{count} nuevos elementos coinciden con sus suscripciones.",
    },
    "digest.more_waiting": {
        "one": "Queda un elemento más en espera: llegará en su próximo correo.",
        "other": "Quedan {count} elementos más en espera: llegarán en sus próximos correos.",
    },
    "digest.intro_none": "Esta vez no hay novedades, pero algunos plazos vencen pronto.",
    "section.event": "Ferias y eventos",
    "section.finance": "Financiación de exportaciones",
    "section.regulation": "Normativa de mercados",
    "section.other": "Otras novedades",
    "section.closing_soon": "Plazos próximos",
    "closing_soon.intro": "Plazos en los próximos 14 días de elementos que ya le enviamos.",
    "label.dates": "Fechas",
    "label.deadline": "Plazo",
    "label.effective": "En vigor desde",
    "label.published": "Publicado",
    "label.place": "Lugar",
    "label.source": "Fuente",
    "label.reference": "Referencia",
    "label.why": "Por qué lo recibe",
    "label.open": "Más información",
    "label.today": "hoy",
    "footer.reason": "Recibe este correo porque se suscribió a las alertas de exportación "
    "de exportwatch.",
    "footer.manage": "Gestionar suscripciones",
    "footer.unsubscribe": "Darse de baja",
    "footer.as_of": "Elaborado el {when}",
    "confirm.subject": "Confirme su suscripción a las alertas de exportación",
    "confirm.heading": "Confirme su suscripción",
    "confirm.greeting_name": "Hola, {name}:",
    "confirm.greeting": "Hola:",
    "confirm.body": "Alguien, esperamos que usted, ha pedido recibir las alertas de exportación "
    "de exportwatch en {email}. Hasta que confirme, no enviaremos nada más a esta dirección.",
    "confirm.button": "Confirmar suscripción",
    "confirm.expiry": "El enlace es válido hasta el {when}.",
    "confirm.ignore": "Si no lo ha solicitado, simplemente ignore este correo.",
}

_NB: dict[str, Entry] = {
    "digest.subject": {"one": "{count} nytt eksportvarsel", "other": "{count} nye eksportvarsler"},
    "digest.subject_closing": {
        "one": "{count} frist går snart ut",
        "other": "{count} frister går snart ut",
    },
    "digest.heading": "Din eksportoversikt",
    "digest.intro": {
        "one": "Ett nytt element passer til abonnementene dine.",
        "other": "{count} nye elementer passer til abonnementene dine.",
    },
    "digest.more_waiting": {
        "one": "Ett element til venter: det kommer i din neste e-post.",
        "other": "{count} elementer til venter: de kommer i dine neste e-poster.",
    },
    "digest.intro_none": "Ingenting nytt denne gangen, men noen frister går snart ut.",
    "section.event": "Messer og arrangementer",
    "section.finance": "Eksportfinansiering",
    "section.regulation": "Markedsregler",
    "section.other": "Andre nyheter",
    "section.closing_soon": "Frister som snart går ut",
    "closing_soon.intro": "Frister de neste 14 dagene for elementer vi allerede har sendt deg.",
    "label.dates": "Dato",
    "label.deadline": "Frist",
    "label.effective": "Gjelder fra",
    "label.published": "Publisert",
    "label.place": "Sted",
    "label.source": "Kilde",
    "label.reference": "Referanse",
    "label.why": "Hvorfor du får dette",
    "label.open": "Les mer",
    "label.today": "i dag",
    "footer.reason": "Du får denne e-posten fordi du abonnerer på eksportvarsler fra exportwatch.",
    "footer.manage": "Administrer abonnementer",
    "footer.unsubscribe": "Avslutt abonnement",
    "footer.as_of": "Laget {when}",
    "confirm.subject": "Bekreft abonnementet ditt på eksportvarsler",
    "confirm.heading": "Bekreft abonnementet",
    "confirm.greeting_name": "Hei {name},",
    "confirm.greeting": "Hei,",
    "confirm.body": "Noen, forhåpentligvis du, har bedt om å få eksportvarsler fra exportwatch "
    "på {email}. Før du bekrefter, sender vi ikke noe mer til denne adressen.",
    "confirm.button": "Bekreft abonnement",
    "confirm.expiry": "Lenken er gyldig til {when}.",
    "confirm.ignore": "Hvis du ikke ba om dette, kan du bare se bort fra denne e-posten.",
}

_NL: dict[str, Entry] = {
    "digest.subject": {
        "one": "{count} nieuwe exportmelding",
        "other": "{count} nieuwe exportmeldingen",
    },
    "digest.subject_closing": {
        "one": "{count} deadline nadert",
        "other": "{count} deadlines naderen",
    },
    "digest.heading": "Uw exportoverzicht",
    "digest.intro": {
        "one": "Eén nieuw item past bij uw abonnementen.",
        "other": "{count} nieuwe items passen bij uw abonnementen.",
    },
    "digest.more_waiting": {
        "one": "Er wacht nog één item: het volgt in uw volgende e-mail.",
        "other": "Er wachten nog {count} items: ze volgen in uw volgende e-mails.",
    },
    "digest.intro_none": "Deze keer niets nieuws, maar enkele deadlines naderen.",
    "section.event": "Beurzen en evenementen",
    "section.finance": "Exportfinanciering",
    "section.regulation": "Marktregelgeving",
    "section.other": "Overig nieuws",
    "section.closing_soon": "Deadlines naderen",
    "closing_soon.intro": "Deadlines in de komende 14 dagen voor items die we u eerder stuurden.",
    "label.dates": "Datum",
    "label.deadline": "Deadline",
    "label.effective": "Van kracht vanaf",
    "label.published": "Gepubliceerd",
    "label.place": "Plaats",
    "label.source": "Bron",
    "label.reference": "Referentie",
    "label.why": "Waarom u dit krijgt",
    "label.open": "Lees meer",
    "label.today": "vandaag",
    "footer.reason": "U ontvangt deze e-mail omdat u zich hebt aangemeld voor exportmeldingen "
    "van exportwatch.",
    "footer.manage": "Abonnementen beheren",
    "footer.unsubscribe": "Afmelden",
    "footer.as_of": "Samengesteld op {when}",
    "confirm.subject": "Bevestig uw abonnement op exportmeldingen",
    "confirm.heading": "Bevestig uw abonnement",
    "confirm.greeting_name": "Beste {name},",
    "confirm.greeting": "Hallo,",
    "confirm.body": "Iemand, hopelijk u, heeft gevraagd om exportmeldingen van exportwatch te "
    "ontvangen op {email}. Zolang u niet bevestigt, sturen we niets anders naar dit adres.",
    "confirm.button": "Abonnement bevestigen",
    "confirm.expiry": "De link is geldig tot {when}.",
    "confirm.ignore": "Hebt u dit niet aangevraagd? Negeer deze e-mail dan gewoon.",
}

_PT: dict[str, Entry] = {
    "digest.subject": {
        "one": "{count} novo alerta de exportação",
        "other": "{count} novos alertas de exportação",
    },
    "digest.subject_closing": {
        "one": "{count} prazo termina em breve",
        "other": "{count} prazos terminam em breve",
    },
    "digest.heading": "O seu resumo de exportação",
    "digest.intro": {
        "one": "Um novo item corresponde aos seus alertas.",
        "other": "{count} novos itens correspondem aos seus alertas.",
    },
    "digest.more_waiting": {
        "one": "Mais um item aguarda envio: segue no seu próximo e-mail.",
        "other": "Mais {count} itens aguardam envio: seguem nos seus próximos e-mails.",
    },
    "digest.intro_none": "Nada de novo desta vez, mas alguns prazos terminam em breve.",
    "section.event": "Feiras e eventos",
    "section.finance": "Financiamento à exportação",
    "section.regulation": "Regulamentação dos mercados",
    "section.other": "Outras novidades",
    "section.closing_soon": "Prazos a terminar",
    "closing_soon.intro": "Prazos nos próximos 14 dias para itens já enviados.",
    "label.dates": "Datas",
    "label.deadline": "Prazo",
    "label.effective": "Em vigor a partir de",
    "label.published": "Publicado",
    "label.place": "Local",
    "label.source": "Fonte",
    "label.reference": "Referência",
    "label.why": "Porque recebe isto",
    "label.open": "Saiba mais",
    "label.today": "hoje",
    "footer.reason": "Recebe este e-mail porque se inscreveu nos alertas de exportação "
    "do exportwatch.",
    "footer.manage": "Gerir alertas",
    "footer.unsubscribe": "Cancelar inscrição",
    "footer.as_of": "Elaborado em {when}",
    "confirm.subject": "Confirme a sua inscrição nos alertas de exportação",
    "confirm.heading": "Confirme a sua inscrição",
    "confirm.greeting_name": "Olá {name},",
    "confirm.greeting": "Olá,",
    "confirm.body": "Alguém, esperamos que tenha sido você, pediu para receber os alertas de "
    "exportação do exportwatch em {email}. Até confirmar, não enviaremos mais nada para este "
    "endereço.",
    "confirm.button": "Confirmar inscrição",
    "confirm.expiry": "O link é válido até {when}.",
    "confirm.ignore": "Se não fez este pedido, ignore simplesmente este e-mail.",
}

_ID: dict[str, Entry] = {
    "digest.subject": {"other": "{count} peringatan ekspor baru"},
    "digest.subject_closing": {"other": "{count} tenggat segera berakhir"},
    "digest.heading": "Ringkasan ekspor Anda",
    "digest.intro": {"other": "{count} item baru sesuai dengan langganan Anda."},
    "digest.more_waiting": {
        "other": "{count} item lainnya sedang menunggu: akan menyusul di email Anda berikutnya."
    },
    "digest.intro_none": "Tidak ada yang baru kali ini, tetapi beberapa tenggat segera berakhir.",
    "section.event": "Pameran dagang dan acara",
    "section.finance": "Pembiayaan ekspor",
    "section.regulation": "Regulasi pasar",
    "section.other": "Berita lainnya",
    "section.closing_soon": "Segera berakhir",
    "closing_soon.intro": "Tenggat dalam 14 hari ke depan untuk item yang sudah kami kirimkan.",
    "label.dates": "Tanggal",
    "label.deadline": "Tenggat",
    "label.effective": "Berlaku mulai",
    "label.published": "Diterbitkan",
    "label.place": "Tempat",
    "label.source": "Sumber",
    "label.reference": "Referensi",
    "label.why": "Mengapa Anda menerima ini",
    "label.open": "Selengkapnya",
    "label.today": "hari ini",
    "footer.reason": "Anda menerima email ini karena berlangganan peringatan ekspor dari "
    "exportwatch.",
    "footer.manage": "Kelola langganan",
    "footer.unsubscribe": "Berhenti berlangganan",
    "footer.as_of": "Disusun {when}",
    "confirm.subject": "Konfirmasi langganan peringatan ekspor Anda",
    "confirm.heading": "Konfirmasi langganan Anda",
    "confirm.greeting_name": "Halo {name},",
    "confirm.greeting": "Halo,",
    "confirm.body": "Seseorang, semoga Anda, meminta untuk menerima peringatan ekspor dari "
    "exportwatch di {email}. Sebelum Anda mengonfirmasi, kami tidak akan mengirim apa pun lagi "
    "ke alamat ini.",
    "confirm.button": "Konfirmasi langganan",
    "confirm.expiry": "Tautan ini berlaku hingga {when}.",
    "confirm.ignore": "Jika Anda tidak memintanya, abaikan saja email ini.",
}

CATALOG: dict[str, dict[str, Entry]] = {
    "en": _EN,
    "de": _DE,
    "fr": _FR,
    "es": _ES,
    "nb": _NB,
    "nl": _NL,
    "pt": _PT,
    "id": _ID,
}
LANGUAGES: tuple[str, ...] = tuple(CATALOG)
_DATE = "yMMMd"  # "Oct 9, 2027", "9. Okt. 2027": short month names read well in every locale


def catalog_language(tag: str | None) -> str:
    """The catalog language for a tag such as "de-AT" or "pt_BR"; English when unsupported."""
    base = (tag or "").replace("-", "_").split("_")[0].lower()
    if base == "no":  # Norwegian without a written standard: Bokmål is what nearly all use
        base = "nb"
    return base if base in CATALOG else DEFAULT_LANGUAGE


class Translator:
    """Strings and dates for one subscriber: their language, locale and time zone."""

    def __init__(self, language: str | None, timezone: str | None = None) -> None:
        self.language = catalog_language(language)
        self.locale = _locale(language, self.language)
        self.tz = _zone(timezone)

    def __call__(self, key: str, **params: object) -> str:
        """The string for `key`, with `{name}` placeholders filled from `params`."""
        entry = _entry(key, self.language)
        text = entry if isinstance(entry, str) else entry["other"]
        return text.format(**params) if params else text

    def plural(self, key: str, count: int, **params: object) -> str:
        """The form of `key` for `count` by the locale's plural rules ("other" as fallback)."""
        entry = _entry(key, self.language)
        if isinstance(entry, str):
            return entry.format(count=count, **params)
        form = entry.get(self.locale.plural_form(count)) or entry["other"]
        return form.format(count=count, **params)

    def day(self, value: date) -> str:
        """A calendar date ("Oct 9, 2027"); dates carry no time, so no time-zone shift."""
        return format_skeleton(_DATE, value, locale=self.locale)

    def days(self, start: date, end: date | None) -> str:
        """A date or range ("Oct 9 – 13, 2027", "9.–13. Okt. 2027")."""
        if end is None or end == start:
            return self.day(start)
        if end < start:
            start, end = end, start
        return format_interval(start, end, _DATE, locale=self.locale)

    def moment(self, value: datetime) -> str:
        """A point in time in the subscriber's time zone ("Mar 1, 2027, 7:00 AM CET")."""
        local = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(self.tz)
        pattern = str(self.locale.datetime_formats["medium"])  # "{1}, {0}": date, then time
        time = format_time(local, "short", locale=self.locale)
        return f"{pattern.format(time, self.day(local.date()))} {local.strftime('%Z')}".strip()

    def local_date(self, value: datetime) -> date:
        """The calendar date of `value` in the subscriber's time zone."""
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.astimezone(self.tz).date()

    def until(self, day: date, today: date) -> str:
        """How far `day` is from `today` ("in 3 days", "dans 3 jours", "today")."""
        if day == today:
            return self("label.today")
        return format_timedelta(
            timedelta(days=(day - today).days),
            granularity="day",
            threshold=3,  # "in 14 days" rather than "in 2 weeks"
            add_direction=True,
            locale=self.locale,
        )


@functools.cache
def translator(language: str | None, timezone: str | None = None) -> Translator:
    """A shared Translator for this language and time zone."""
    return Translator(language, timezone)


def _entry(key: str, language: str) -> Entry:
    found = CATALOG[language].get(key)
    return found if found is not None else _EN[key]


def _locale(tag: str | None, language: str) -> Locale:
    """Babel's locale for the full tag ("de_AT") when it is one, else for the catalog language."""
    if tag and catalog_language(tag) == language:
        try:
            return Locale.parse(tag.replace("-", "_"))
        except (UnknownLocaleError, ValueError, TypeError):
            pass
    return Locale.parse(language)


def _zone(name: str | None) -> tzinfo:
    try:
        return ZoneInfo(name) if name else UTC
    except (ZoneInfoNotFoundError, ValueError):
        return UTC
