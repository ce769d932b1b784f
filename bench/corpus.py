"""A deterministic, realistic synthetic corpus of export information for the search benchmarks.

`generate(n, seed=42)` yields `n` documents of all three kinds in eight languages (en, de, fr,
es, pt, nl, nb, id). The same seed always gives the same documents. Shapes follow real sources:

- ~200 sources, each with one language, kind and publisher country; a few big, many small.
- Text: per language, a Zipf-distributed token stream over function words and trade-fair,
  export-finance and regulation vocabulary; bodies (50-300 words) are slices of that stream,
  seeded with the keywords of the document's sectors (from `config/sectors.yaml`), city
  names, brand names and numbers, so term and document frequencies look like real text.
- Events: venue city and country, start/end dates over 2024-2029; finance: eligible
  countries and deadlines; regulations: WTO symbols (`G/TBT/N/EU/1234`), countries or
  groupings, comment deadlines and effective dates.
- Sectors are real taxonomy codes (top level and sub-sectors), ~10% cross-sector (empty);
  countries are real ISO codes weighted towards major markets, sometimes groupings.

Run `python bench/corpus.py --n 100000` to time the generator and print a sample.
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from bisect import bisect
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from random import Random
from typing import Any, Generic, TypeVar

import pycountry

from exportwatch.model import Document, Kind, SourceLink, Venue
from exportwatch.taxonomy import Sector, Taxonomy, country_codes, load_taxonomy

__all__ = ["LANGUAGES", "Corpus", "Source", "generate"]

T = TypeVar("T")
CONFIG_DIR = Path(__file__).resolve().parent.parent / "config"
STREAM_LENGTH = 1 << 18  # tokens of Zipf text per language; bodies are slices of it
SENTENCE_WORDS = (6, 20)  # sentence length range
ZIPF_EXPONENT = 1.05
SOURCES = 200
PUBLISHED_FROM = datetime(2023, 1, 1, tzinfo=UTC)
PUBLISHED_SECONDS = 3 * 365 * 86400  # published dates spread over three years
EVENTS_FROM = date(2024, 1, 1)
EVENT_DAYS = 6 * 365  # events start between 2024 and 2029

# Share of documents per language (through the sources' languages).
LANGUAGES = {"en": 38, "de": 13, "fr": 10, "es": 10, "pt": 7, "nl": 7, "nb": 5, "id": 10}
KIND_WEIGHTS = {Kind.EVENT: 45, Kind.FINANCE: 20, Kind.REGULATION: 35}

# Words in rough frequency order: function words first (the Zipf head), then the domain
# vocabulary. Product words come from the sector keywords of the taxonomy.
WORDS = {
    "en": """
        the of and to in for a on with by is are will be from at as this that or an new all its
        their which has have other more than also under into per can may must not should between
        each such these up
        export exporters exporting trade market markets companies company businesses SMEs
        international fair fairs exhibition exhibitors visitors buyers suppliers products product
        industry sector programme support services information registration deadline
        participation pavilion stand booth hall conference seminar webinar mission delegation
        matchmaking meetings partners network opportunities growth investment investors
        innovation technology sustainable sustainability digital quality standards standard
        certification requirements regulation regulations rules directive notification draft
        amendment proposal measure measures conformity assessment labelling labels packaging
        import imports importers customs tariff tariffs duties quota licence permit authorities
        ministry agency chamber commerce council government national regional global european
        countries country members member manufacturers producers distributors retailers wholesale
        logistics shipping transport supply chain value finance financing credit loan loans
        guarantee guarantees insurance cover risk grant grants funding fund scheme schemes
        eligible applicants application applications interest rate working capital pre-shipment
        buyer contract contracts payment letter bank banks lending cost costs fees subsidy tax
        incentives entry force effective date comments period health safety consumer protection
        environmental emissions residue limits maximum hazardous substances testing inspection
        laboratory origin traceability documentation procedures compliance enforcement
        transition published consultation stakeholders annual edition leading event events
        organisers organised specialists professionals trends solutions launch showcase latest
        expected square metres attending
    """,
    "de": """
        der die das und in zu den von mit für auf ist im sich des dem nicht ein eine als auch es
        an werden aus hat dass sie nach wird bei einer um am sind noch wie einem über so zum neue
        alle oder
        Export Exporteure Ausfuhr Handel Markt Märkte Unternehmen Firmen Mittelstand KMU
        international Messe Messen Fachmesse Ausstellung Aussteller Besucher Einkäufer
        Lieferanten Produkte Branche Programm Förderung Unterstützung Anmeldung Frist Teilnahme
        Gemeinschaftsstand Stand Halle Konferenz Seminar Delegationsreise Geschäftsanbahnung
        Kooperationsbörse Partner Netzwerk Chancen Wachstum Investitionen Innovation Technologie
        nachhaltig Nachhaltigkeit digital Qualität Normen Norm Zertifizierung Anforderungen
        Verordnung Vorschriften Richtlinie Notifizierung Entwurf Änderung Maßnahme
        Konformitätsbewertung Kennzeichnung Etikettierung Verpackung Einfuhr Importeure Zoll Zölle
        Kontingent Lizenz Genehmigung Behörden Ministerium Kammer Handelskammer Bundesregierung
        Länder Mitgliedstaaten Hersteller Erzeuger Händler Großhandel Logistik Versand
        Lieferkette Finanzierung Kredit Darlehen Bürgschaft Garantie Exportkreditgarantie
        Hermesdeckung Versicherung Risiko Zuschuss Fördermittel Fonds antragsberechtigt
        Antragsteller Antrag Zinssatz Betriebsmittel Vorfinanzierung Käufer Vertrag Zahlung
        Akkreditiv Bank Banken Kosten Gebühren Subvention Steuer Anreize Inkrafttreten gültig
        Stellungnahme Gesundheit Sicherheit Verbraucherschutz Umwelt Emissionen
        Rückstandshöchstgehalte Grenzwerte gefährliche Stoffe Prüfung Kontrolle Labor Ursprung
        Rückverfolgbarkeit Unterlagen Verfahren Einhaltung Übergangsfrist veröffentlicht
        Konsultation jährlich Ausgabe führende Veranstaltung Veranstalter Fachbesucher Trends
        Lösungen Neuheiten Quadratmeter
    """,
    "fr": """
        le la les de des du et à en pour un une dans sur par est sont au aux avec qui que ce
        cette ses leur plus pas ou être sera ont nouveau nouvelle tous entre selon
        exportation exportateurs export commerce marché marchés entreprises sociétés PME
        international salon salons foire exposition exposants visiteurs acheteurs fournisseurs
        produits secteur filière programme soutien accompagnement services inscription date
        limite participation pavillon stand hall conférence séminaire mission délégation
        rendez-vous partenaires réseau opportunités croissance investissement innovation
        technologie durable durabilité numérique qualité normes norme certification exigences
        règlement réglementation directive notification projet modification mesure mesures
        évaluation conformité étiquetage emballage importation importateurs douane droits tarif
        contingent licence autorisation autorités ministère agence chambre commerce conseil
        gouvernement pays membres fabricants producteurs distributeurs logistique transport
        chaîne approvisionnement financement crédit prêt prêts garantie assurance prospection
        risque subvention aide fonds dispositif éligibles candidats demande taux intérêt
        trésorerie préfinancement acheteur contrat paiement banque banques coûts frais fiscalité
        incitations entrée vigueur applicable commentaires santé sécurité consommateurs
        environnement émissions résidus limites maximales substances dangereuses essais contrôle
        laboratoire origine traçabilité documents procédures obligations transition publié
        consultation édition annuelle événement organisateurs professionnels tendances solutions
        nouveautés mètres carrés
    """,
    "es": """
        el la los las de del y en a para un una por con que se es son al su sus como más o sobre
        este esta entre nuevo nueva todos será han ha desde
        exportación exportadores comercio mercado mercados empresas compañías pymes
        internacional feria ferias exposición expositores visitantes compradores proveedores
        productos sector programa apoyo servicios inscripción plazo participación pabellón stand
        conferencia seminario misión comercial delegación reuniones socios red oportunidades
        crecimiento inversión innovación tecnología sostenible sostenibilidad digital calidad
        normas norma certificación requisitos reglamento regulación directiva notificación
        proyecto modificación medida medidas evaluación conformidad etiquetado envase embalaje
        importación importadores aduana aranceles cupo licencia permiso autoridades ministerio
        agencia cámara gobierno países miembros fabricantes productores distribuidores
        logística transporte cadena suministro financiación crédito préstamo préstamos garantía
        seguro riesgo subvención ayudas fondo línea elegibles solicitantes solicitud tipo
        interés capital circulante prefinanciación comprador contrato pago carta banco bancos
        costes tasas incentivos fiscales entrada vigor aplicable comentarios salud seguridad
        consumidores medio ambiente emisiones residuos límites máximos sustancias peligrosas
        ensayos inspección laboratorio origen trazabilidad documentación procedimientos
        cumplimiento transición publicado consulta edición anual evento organizadores
        profesionales tendencias soluciones novedades metros cuadrados
    """,
    "pt": """
        o a os as de do da dos das e em para um uma por com que se é são ao no na nos nas seu sua
        como mais ou sobre entre novo nova todos será foi
        exportação exportadores comércio mercado mercados empresas companhias PME internacional
        feira feiras exposição expositores visitantes compradores fornecedores produtos setor
        programa apoio serviços inscrição prazo participação pavilhão estande conferência
        seminário missão empresarial delegação rodada negócios parceiros rede oportunidades
        crescimento investimento inovação tecnologia sustentável sustentabilidade digital
        qualidade normas norma certificação requisitos regulamento regulamentação diretiva
        notificação projeto alteração medida medidas avaliação conformidade rotulagem embalagem
        importação importadores alfândega tarifas direitos quota licença autorização autoridades
        ministério agência câmara governo países membros fabricantes produtores distribuidores
        logística transporte cadeia abastecimento financiamento crédito empréstimo garantia
        seguro risco subvenção apoios fundo linha elegíveis candidatos pedido taxa juros capital
        giro pré-embarque comprador contrato pagamento carta banco bancos custos incentivos
        fiscais entrada vigor aplicável comentários saúde segurança consumidores ambiente
        emissões resíduos limites máximos substâncias perigosas ensaios inspeção laboratório
        origem rastreabilidade documentação procedimentos cumprimento transição publicado
        consulta edição anual evento organizadores profissionais tendências soluções novidades
        metros quadrados
    """,
    "nl": """
        de het een en van in op te voor met is zijn aan door dat die als bij ook of om uit over
        naar worden wordt nieuwe alle deze dit meer tot tussen
        export exporteurs handel markt markten bedrijven ondernemingen mkb internationaal beurs
        beurzen vakbeurs tentoonstelling exposanten bezoekers inkopers leveranciers producten
        sector programma ondersteuning diensten aanmelding deadline deelname paviljoen stand hal
        congres seminar handelsmissie delegatie matchmaking partners netwerk kansen groei
        investering innovatie technologie duurzaam duurzaamheid digitaal kwaliteit normen norm
        certificering eisen verordening regelgeving richtlijn notificatie ontwerp wijziging
        maatregel maatregelen conformiteitsbeoordeling etikettering verpakking invoer importeurs
        douane tarieven heffingen quotum vergunning autoriteiten ministerie agentschap kamer
        koophandel overheid landen lidstaten fabrikanten producenten distributeurs logistiek
        transport toeleveringsketen financiering krediet lening leningen garantie
        exportkredietverzekering verzekering risico subsidie regeling fonds aanvragers aanvraag
        rente werkkapitaal voorfinanciering koper contract betaling bank banken kosten
        vergoeding belasting stimulering inwerkingtreding geldig opmerkingen gezondheid
        veiligheid consumenten milieu emissies residuen maximumgehalten gevaarlijke stoffen
        keuring inspectie laboratorium oorsprong traceerbaarheid documentatie procedures naleving
        overgangsperiode gepubliceerd consultatie jaarlijkse editie evenement organisatoren
        professionals trends oplossingen noviteiten vierkante meter
    """,
    "nb": """
        og i på til av for med er som en et det den de at har vil fra om ved kan skal ikke eller
        nye alle denne dette mer enn mellom under etter
        eksport eksportører handel marked markeder bedrifter selskaper SMB internasjonal messe
        messer fagmesse utstilling utstillere besøkende innkjøpere leverandører produkter
        bransje sektor program støtte tjenester påmelding frist deltakelse paviljong stand hall
        konferanse seminar næringslivsdelegasjon delegasjon møter partnere nettverk muligheter
        vekst investering innovasjon teknologi bærekraftig bærekraft digital kvalitet standarder
        standard sertifisering krav forskrift regelverk direktiv notifikasjon utkast endring
        tiltak samsvarsvurdering merking emballasje import importører toll tollsatser kvote
        lisens tillatelse myndigheter departementet direktoratet kammer regjeringen land
        medlemsland produsenter distributører logistikk frakt forsyningskjede finansiering
        kreditt lån garanti eksportgaranti forsikring risiko tilskudd ordning fond søkere søknad
        rente arbeidskapital forhåndsfinansiering kjøper kontrakt betaling bank banker
        kostnader gebyrer skatt insentiver ikrafttredelse gjeldende høringsfrist helse
        sikkerhet forbrukere miljø utslipp rester grenseverdier farlige stoffer testing kontroll
        laboratorium opprinnelse sporbarhet dokumentasjon prosedyrer etterlevelse
        overgangsperiode publisert høring årlig utgave arrangement arrangører fagfolk trender
        løsninger nyheter kvadratmeter
    """,
    "id": """
        dan yang di ke dari untuk dengan ini itu pada dalam akan adalah oleh sebagai juga atau
        tidak bagi para telah serta baru semua lebih antara tersebut
        ekspor eksportir perdagangan pasar perusahaan UMKM internasional pameran dagang peserta
        pengunjung pembeli pemasok produk sektor industri program dukungan layanan pendaftaran
        batas waktu partisipasi paviliun stan gedung konferensi seminar misi delegasi temu
        bisnis mitra jaringan peluang pertumbuhan investasi inovasi teknologi berkelanjutan
        keberlanjutan digital kualitas standar sertifikasi persyaratan peraturan regulasi
        ketentuan notifikasi rancangan perubahan kebijakan penilaian kesesuaian pelabelan
        kemasan impor importir bea cukai tarif kuota izin lisensi otoritas kementerian badan
        kamar pemerintah negara anggota produsen distributor logistik pengiriman rantai pasok
        pembiayaan kredit pinjaman penjaminan asuransi risiko hibah insentif dana skema
        memenuhi syarat pemohon permohonan suku bunga modal kerja praekspor kontrak pembayaran
        bank biaya pajak fasilitas berlaku efektif tanggapan kesehatan keamanan konsumen
        lingkungan emisi residu batas maksimum bahan berbahaya pengujian pemeriksaan
        laboratorium asal ketertelusuran dokumen prosedur kepatuhan masa transisi diterbitkan
        konsultasi tahunan edisi acara penyelenggara profesional tren solusi terbaru meter
        persegi
    """,
}
FUNCTION_WORDS = 30  # the first words of each list are too common to be good query terms

# Title templates per language and kind. Fields: kw, kw2 (sector keywords), city, country,
# year, fair, provider, ref.
TITLES: dict[str, dict[Kind, tuple[str, ...]]] = {
    "en": {
        Kind.EVENT: (
            "{fair} {year}: international trade fair for {kw} and {kw2}",
            "Trade mission to {country}: {kw} and {kw2}",
            "{kw} pavilion at {fair} in {city}",
        ),
        Kind.FINANCE: (
            "{provider}: export credit guarantee for {kw} exporters",
            "Grant for SMEs entering {country} with {kw}",
            "Working capital loan for {kw} and {kw2} companies",
        ),
        Kind.REGULATION: (
            "{country}: draft regulation on {kw}",
            "{ref} - labelling requirements for {kw}",
            "{country} notifies conformity assessment for {kw2} ({ref})",
        ),
    },
    "de": {
        Kind.EVENT: (
            "{fair} {year}: internationale Fachmesse für {kw} und {kw2}",
            "Delegationsreise nach {country}: {kw} und {kw2}",
            "Gemeinschaftsstand {kw} auf der {fair} in {city}",
        ),
        Kind.FINANCE: (
            "{provider}: Exportkreditgarantie für {kw}",
            "Förderprogramm für KMU: Markteintritt in {country} ({kw})",
            "Betriebsmittelkredit für Exporteure von {kw} und {kw2}",
        ),
        Kind.REGULATION: (
            "{country}: Verordnungsentwurf zu {kw}",
            "{ref} - Kennzeichnungsvorschriften für {kw}",
            "{country} notifiziert Konformitätsbewertung für {kw2} ({ref})",
        ),
    },
    "fr": {
        Kind.EVENT: (
            "{fair} {year} : salon international {kw} et {kw2}",
            "Mission commerciale - {country} : {kw} et {kw2}",
            "Pavillon {kw} au salon {fair} à {city}",
        ),
        Kind.FINANCE: (
            "{provider} : assurance prospection pour les exportateurs de {kw}",
            "Subvention pour les PME : marché {country} ({kw})",
            "Prêt de trésorerie pour les entreprises {kw} et {kw2}",
        ),
        Kind.REGULATION: (
            "{country} : projet de règlement sur {kw}",
            "{ref} - exigences d'étiquetage pour {kw}",
            "{country} notifie une évaluation de la conformité pour {kw2} ({ref})",
        ),
    },
    "es": {
        Kind.EVENT: (
            "{fair} {year}: feria internacional de {kw} y {kw2}",
            "Misión comercial a {country}: {kw} y {kw2}",
            "Pabellón de {kw} en {fair}, {city}",
        ),
        Kind.FINANCE: (
            "{provider}: seguro de crédito a la exportación para {kw}",
            "Ayudas para pymes: entrada en {country} ({kw})",
            "Línea de financiación de capital circulante para {kw} y {kw2}",
        ),
        Kind.REGULATION: (
            "{country}: proyecto de reglamento sobre {kw}",
            "{ref} - requisitos de etiquetado para {kw}",
            "{country} notifica evaluación de la conformidad de {kw2} ({ref})",
        ),
    },
    "pt": {
        Kind.EVENT: (
            "{fair} {year}: feira internacional de {kw} e {kw2}",
            "Missão empresarial - {country}: {kw} e {kw2}",
            "Pavilhão de {kw} na {fair} em {city}",
        ),
        Kind.FINANCE: (
            "{provider}: seguro de crédito à exportação para {kw}",
            "Apoio a PME: entrada no mercado {country} ({kw})",
            "Linha de financiamento de capital de giro para {kw} e {kw2}",
        ),
        Kind.REGULATION: (
            "{country}: projeto de regulamento sobre {kw}",
            "{ref} - requisitos de rotulagem para {kw}",
            "{country} notifica avaliação da conformidade de {kw2} ({ref})",
        ),
    },
    "nl": {
        Kind.EVENT: (
            "{fair} {year}: internationale vakbeurs voor {kw} en {kw2}",
            "Handelsmissie naar {country}: {kw} en {kw2}",
            "Holland-paviljoen {kw} op {fair} in {city}",
        ),
        Kind.FINANCE: (
            "{provider}: exportkredietverzekering voor {kw}",
            "Subsidie voor mkb: markttoegang {country} ({kw})",
            "Werkkapitaalfinanciering voor exporteurs van {kw} en {kw2}",
        ),
        Kind.REGULATION: (
            "{country}: ontwerpverordening over {kw}",
            "{ref} - etiketteringseisen voor {kw}",
            "{country} notificeert conformiteitsbeoordeling voor {kw2} ({ref})",
        ),
    },
    "nb": {
        Kind.EVENT: (
            "{fair} {year}: internasjonal fagmesse for {kw} og {kw2}",
            "Næringslivsdelegasjon til {country}: {kw} og {kw2}",
            "Norsk paviljong for {kw} på {fair} i {city}",
        ),
        Kind.FINANCE: (
            "{provider}: eksportgaranti for {kw}",
            "Tilskudd til SMB: markedsinngang i {country} ({kw})",
            "Lån til arbeidskapital for eksportører av {kw} og {kw2}",
        ),
        Kind.REGULATION: (
            "{country}: utkast til forskrift om {kw}",
            "{ref} - merkekrav for {kw}",
            "{country} notifiserer samsvarsvurdering for {kw2} ({ref})",
        ),
    },
    "id": {
        Kind.EVENT: (
            "{fair} {year}: pameran dagang internasional {kw} dan {kw2}",
            "Misi dagang ke {country}: {kw} dan {kw2}",
            "Paviliun Indonesia untuk {kw} di {fair}, {city}",
        ),
        Kind.FINANCE: (
            "{provider}: penjaminan kredit ekspor untuk {kw}",
            "Hibah bagi UMKM: masuk pasar {country} ({kw})",
            "Pembiayaan modal kerja ekspor {kw} dan {kw2}",
        ),
        Kind.REGULATION: (
            "{country}: rancangan peraturan tentang {kw}",
            "{ref} - persyaratan pelabelan {kw}",
            "{country} menotifikasi penilaian kesesuaian {kw2} ({ref})",
        ),
    },
}

PROVIDERS = {
    "en": (
        "UK Export Finance",
        "EXIM Bank",
        "Export Development Canada",
        "Export Finance Australia",
    ),
    "de": ("Euler Hermes", "KfW IPEX-Bank", "AKA Bank", "Germany Trade & Invest"),
    "fr": ("Bpifrance", "Business France", "Team France Export", "Credendo"),
    "es": ("CESCE", "ICO", "ICEX", "COFIDES"),
    "pt": ("AICEP", "COSEC", "BNDES", "Banco do Brasil"),
    "nl": ("Atradius DSB", "RVO", "Invest International", "Credendo"),
    "nb": ("Eksfin", "Innovasjon Norge", "Eksportfinansiering Norge", "GIEK"),
    "id": ("LPEI", "Indonesia Eximbank", "Jamkrindo", "Askrindo"),
}
LEGAL_FORMS = {
    "en": "{} Ltd",
    "de": "{} GmbH",
    "fr": "{} SAS",
    "es": "{} S.A.",
    "pt": "{} Ltda",
    "nl": "{} B.V.",
    "nb": "{} AS",
    "id": "PT {}",
}
# Publisher countries per language (a source publishes in its country's language).
PUBLISHERS = {
    "en": ("GB", "US", "IE", "AU", "CA", "SG", "IN", "ZA", "NZ"),
    "de": ("DE", "AT", "CH"),
    "fr": ("FR", "BE", "CH", "CA"),
    "es": ("ES", "MX", "AR", "CL", "CO"),
    "pt": ("PT", "BR"),
    "nl": ("NL", "BE"),
    "nb": ("NO",),
    "id": ("ID",),
}
SOURCE_SLUGS = {
    Kind.EVENT: ("messe", "chamber", "tpo", "fairs", "expo"),
    Kind.FINANCE: ("eca", "bank", "agency", "fund"),
    Kind.REGULATION: ("eping", "gazette", "ministry", "standards"),
}

# Venue cities of the countries that host most trade fairs, with a weight per country.
VENUES: dict[str, tuple[int, tuple[str, ...]]] = {
    "DE": (14, ("Berlin", "München", "Köln", "Frankfurt am Main", "Hannover", "Düsseldorf",
                "Hamburg", "Stuttgart", "Nürnberg", "Leipzig", "Essen")),
    "US": (10, ("Las Vegas", "Chicago", "New York", "Orlando", "Houston", "Atlanta",
                "San Francisco", "Boston", "Anaheim")),
    "CN": (8, ("Shanghai", "Guangzhou", "Beijing", "Shenzhen", "Chengdu")),
    "IT": (6, ("Milano", "Bologna", "Verona", "Rimini", "Roma", "Parma")),
    "FR": (6, ("Paris", "Lyon", "Marseille", "Bordeaux", "Lille", "Cannes", "Strasbourg")),
    "GB": (5, ("London", "Birmingham", "Manchester", "Glasgow", "Edinburgh")),
    "ES": (4, ("Madrid", "Barcelona", "Valencia", "Bilbao", "Sevilla")),
    "JP": (4, ("Tokyo", "Osaka", "Chiba", "Nagoya", "Yokohama")),
    "AE": (4, ("Dubai", "Abu Dhabi", "Sharjah")),
    "IN": (4, ("New Delhi", "Mumbai", "Bengaluru", "Chennai", "Hyderabad")),
    "NL": (3, ("Amsterdam", "Rotterdam", "Utrecht", "Den Haag", "Eindhoven")),
    "BR": (3, ("São Paulo", "Rio de Janeiro", "Curitiba", "Porto Alegre", "Belo Horizonte")),
    "ID": (3, ("Jakarta", "Surabaya", "Bandung", "Denpasar", "Medan", "Makassar")),
    "SG": (3, ("Singapore",)),
    "NO": (2, ("Oslo", "Bergen", "Stavanger", "Trondheim", "Lillestrøm")),
    "BE": (2, ("Brussel", "Antwerpen", "Gent", "Kortrijk")),
    "SE": (2, ("Stockholm", "Göteborg", "Malmö")),
    "DK": (2, ("København", "Herning", "Aarhus")),
    "AT": (2, ("Wien", "Salzburg", "Wels")),
    "CH": (2, ("Basel", "Zürich", "Genève", "Bern")),
    "PL": (2, ("Warszawa", "Poznań", "Kraków")),
    "TR": (2, ("Istanbul", "Izmir", "Ankara")),
    "KR": (2, ("Seoul", "Busan")),
    "SA": (2, ("Riyadh", "Jeddah", "Dammam")),
    "MX": (2, ("Ciudad de México", "Guadalajara", "Monterrey")),
    "PT": (1, ("Lisboa", "Porto", "Braga")),
    "CA": (2, ("Toronto", "Vancouver", "Montréal")),
    "AU": (2, ("Sydney", "Melbourne", "Brisbane")),
    "ZA": (1, ("Johannesburg", "Cape Town", "Durban")),
    "TH": (2, ("Bangkok",)),
    "VN": (2, ("Ho Chi Minh City", "Hanoi")),
    "MY": (2, ("Kuala Lumpur", "Penang")),
    "AR": (1, ("Buenos Aires", "Córdoba", "Rosario")),
    "CL": (1, ("Santiago", "Valparaíso")),
    "CO": (1, ("Bogotá", "Medellín")),
    "KE": (1, ("Nairobi", "Mombasa")),
    "NG": (1, ("Lagos", "Abuja")),
    "MA": (1, ("Casablanca", "Marrakech")),
    "QA": (1, ("Doha",)),
    "HK": (2, ("Hong Kong",)),
}  # fmt: skip
VENUE_NAMES = ("Messe {}", "{} Exhibition Centre", "Parc des Expositions {}", "{} Expo",
               "Feria de {}", "{} Convention Center")  # fmt: skip

# Markets a document is about: major markets weigh more, every other ISO code a little.
MAJOR_MARKETS = {
    "DE": 10, "US": 10, "CN": 9, "FR": 7, "GB": 7, "JP": 6, "IT": 5, "ES": 5, "NL": 5, "IN": 5,
    "BR": 4, "ID": 4, "CA": 4, "KR": 4, "MX": 3, "AU": 3, "TR": 3, "PL": 3, "SA": 3, "AE": 3,
    "CH": 3, "SE": 3, "BE": 3, "NO": 3, "VN": 3, "TH": 3, "MY": 3, "SG": 3, "AT": 2, "PH": 2,
    "ZA": 2, "NG": 2, "EG": 2, "KE": 2, "AR": 2, "CL": 2, "CO": 2, "PT": 2, "DK": 2, "FI": 2,
    "IE": 2, "CZ": 2, "MA": 2, "NZ": 2, "PE": 1, "RO": 1, "HU": 1, "GR": 1, "IL": 1, "QA": 1,
}  # fmt: skip
MINOR_MARKET_WEIGHT = 0.15
GROUPINGS = {"EU": 6, "ASEAN": 3, "GCC": 2, "MERCOSUR": 2, "EFTA": 1, "USMCA": 1, "ECOWAS": 1}
# Groupings that regulate as one market, and the WTO member symbol their notifications use.
REGULATORS = {"EU": 8, "GCC": 2, "EAEU": 1, "MERCOSUR": 1}
REGULATOR_MEMBERS = {"EU": "EU", "GCC": "SAU", "EAEU": "RUS", "MERCOSUR": "BRA"}

BRAND_HEADS = ("Agri", "Food", "Med", "Tech", "Inter", "Pack", "Bio", "Aqua", "Auto", "Aero",
               "Sol", "Eco", "Chem", "Metal", "Tex", "Build", "Digi", "Pharma", "Cosm", "Energ",
               "Mari", "Mine", "Furni", "Elec", "Nor", "Vin", "Hort", "Log")  # fmt: skip
BRAND_TAILS = ("expo", "tec", "tech", "ica", "ana", "world", "con", "fair", "messe", "show",
               "ex", "week", "forum", "summit", "days", "build", "tronic", "mart", "vision",
               "nova")  # fmt: skip
BRAND_REGIONS = ("", "", "", " Europe", " Asia", " Americas", " Africa", " Middle East")
SYLLABLES = ("ka", "ro", "mel", "tan", "vi", "sor", "le", "nd", "bra", "ko", "fi", "ter", "gal",
             "mo", "rin", "sta", "den", "ul", "pha", "zen", "qu", "lin", "dor", "ve")  # fmt: skip


@dataclass(frozen=True, slots=True)
class Source:
    """A synthetic source: one publisher, language and kind."""

    id: str
    kind: Kind
    language: str
    country: str
    domain: str


class Draw:
    """Fast draws from one `Random`: one `random()` call each, no `randrange` overhead."""

    __slots__ = ("random", "rng")

    def __init__(self, rng: Random) -> None:
        self.rng = rng
        self.random = rng.random

    def pick(self, items: Sequence[T]) -> T:
        """A uniformly chosen item of a non-empty sequence."""
        return items[int(self.random() * len(items))]

    def between(self, low: int, high: int) -> int:
        """An integer in [low, high)."""
        return low + int(self.random() * (high - low))

    def chance(self, probability: float) -> bool:
        """True with `probability`."""
        return self.random() < probability


class Weighted(Generic[T]):
    """Fast weighted choice: one `random()` and one bisect per draw."""

    __slots__ = ("cumulative", "items", "total")

    def __init__(self, items: Sequence[T], weights: Sequence[float]) -> None:
        self.items = tuple(items)
        self.cumulative = list(itertools.accumulate(weights))
        self.total = self.cumulative[-1]

    def pick(self, draw: Draw) -> T:
        """One item, drawn with probability proportional to its weight."""
        return self.items[bisect(self.cumulative, draw.random() * self.total)]


class Prose:
    """Zipf-distributed sentences in one language, stored as one string cut at sentence starts.

    A passage of consecutive sentences is one slice, so a 300-word body costs a few slices.
    """

    def __init__(self, words: tuple[str, ...], draw: Draw) -> None:
        weights = [1 / (rank + 2.7) ** ZIPF_EXPONENT for rank in range(len(words))]
        tokens = draw.rng.choices(words, weights, k=STREAM_LENGTH)
        self.tokens = tokens
        sentences: list[str] = []
        self.starts = [0]  # character offset of each sentence
        self.word_counts = [0]  # words before each sentence
        at = 0
        while at < len(tokens) - SENTENCE_WORDS[1]:
            size = draw.between(*SENTENCE_WORDS)
            sentence = " ".join(tokens[at : at + size])
            sentences.append(sentence[0].upper() + sentence[1:] + ".")
            self.starts.append(self.starts[-1] + len(sentences[-1]) + 1)
            self.word_counts.append(self.word_counts[-1] + size)
            at += size
        self.text = " ".join(sentences)

    def passage(self, draw: Draw, words: int) -> str:
        """Consecutive sentences from a random place, about `words` long (at least one)."""
        first = int(draw.random() * (len(self.starts) - 40))
        last = bisect(self.word_counts, self.word_counts[first] + words, first + 1)
        return self.text[self.starts[first] : self.starts[last] - 1]


class Corpus:
    """Everything fixed by the seed: sources, prose, brands; `documents(n)` streams documents."""

    def __init__(self, seed: int = 42, taxonomy: Taxonomy | None = None) -> None:
        self.seed = seed
        self.taxonomy = taxonomy or load_taxonomy(CONFIG_DIR)
        draw = Draw(Random(seed))
        self.vocabulary = {lang: tuple(text.split()) for lang, text in WORDS.items()}
        self.prose = {lang: Prose(words, draw) for lang, words in self.vocabulary.items()}
        self.sectors = self._sector_choice()
        self.markets = self._market_choice()
        self.groupings = Weighted(list(GROUPINGS), list(GROUPINGS.values()))
        self.regulators = Weighted(list(REGULATORS), list(REGULATORS.values()))
        self.venues = Weighted(list(VENUES), [weight for weight, _ in VENUES.values()])
        self.sources = self._sources(draw)
        self.source_choice = Weighted(self.sources, [1 / (i + 1) ** 0.7 for i in range(SOURCES)])
        self.brands = [head + tail for head in BRAND_HEADS for tail in BRAND_TAILS]
        self.companies = [_pseudo_word(draw) for _ in range(5000)]

    def documents(self, n: int) -> Iterator[Document]:
        """`n` documents; the i-th is the same for every call and run with this seed."""
        draw = Draw(Random(self.seed + 1))
        for number in range(n):
            yield self._document(draw, number)

    def query_word(self, rng: Random, language: str) -> str:
        """A single query word: a domain word or a one-word product keyword of `language`."""
        domain = self.vocabulary[language][FUNCTION_WORDS:]
        sector = self.sectors.pick(Draw(rng))
        words = [kw for kw in _keywords(sector, language) if " " not in kw] if sector else []
        return rng.choice(words) if words and rng.random() < 0.5 else rng.choice(domain)

    def query_phrase(self, rng: Random, language: str) -> str:
        """Two words that follow each other in the text of `language`, neither a function word."""
        tokens = self.prose[language].tokens
        common = set(self.vocabulary[language][:FUNCTION_WORDS])
        for _ in range(100):
            at = rng.randrange(len(tokens) - 1)
            if tokens[at] not in common and tokens[at + 1] not in common:
                return f"{tokens[at]} {tokens[at + 1]}"
        return f"{tokens[0]} {tokens[1]}"

    # Fixed by the seed

    def _sector_choice(self) -> Weighted[Sector | None]:
        """Top-level sectors weigh 1, sub-sectors 0.6; None (cross-sector) ~10% of picks."""
        sectors = list(self.taxonomy.sectors)
        weights = [0.6 if sector.is_subsector else 1.0 for sector in sectors]
        return Weighted([*sectors, None], [*weights, sum(weights) / 9])

    def _market_choice(self) -> Weighted[str]:
        """Every ISO country; the major markets weigh much more than the rest."""
        minor = sorted(country_codes() - MAJOR_MARKETS.keys())
        weights = [*MAJOR_MARKETS.values(), *(MINOR_MARKET_WEIGHT for _ in minor)]
        return Weighted([*MAJOR_MARKETS, *minor], weights)

    def _sources(self, draw: Draw) -> list[Source]:
        """SOURCES sources; languages follow LANGUAGES, kinds follow KIND_WEIGHTS."""
        languages = Weighted(list(LANGUAGES), list(LANGUAGES.values()))
        kinds = Weighted(list(KIND_WEIGHTS), list(KIND_WEIGHTS.values()))
        sources = []
        for number in range(SOURCES):
            language, kind = languages.pick(draw), kinds.pick(draw)
            country = draw.pick(PUBLISHERS[language]).lower()
            slug = draw.pick(SOURCE_SLUGS[kind])
            domain = f"www.{slug}{number:03d}.{country}"
            sources.append(
                Source(f"{country}-{slug}-{number:03d}", kind, language, country, domain)
            )
        return sources

    # One document

    def _document(self, draw: Draw, number: int) -> Document:
        """Document `number`, drawn from `draw`."""
        source = self.source_choice.pick(draw)
        language = source.language
        sectors = self._pick_sectors(draw)
        keywords = [kw for sector in sectors for kw in _keywords(sector, language)]
        published = PUBLISHED_FROM + timedelta(seconds=draw.between(0, PUBLISHED_SECONDS))
        fields = _KIND_FIELDS[source.kind](self, draw, source, published)
        title = draw.pick(TITLES[language][source.kind]).format_map(
            self._title_slots(draw, source, keywords, fields)
        )
        url = f"https://{source.domain}/{source.kind.value}/{number:08d}"
        return Document(
            id=f"{source.id}:{number:08d}",
            kind=source.kind,
            title=title,
            url=url,
            source_id=source.id,
            summary=self._text(draw, language, keywords, draw.between(15, 45)),
            body=self._text(draw, language, keywords, 50 + int(250 * draw.random() ** 1.6)),
            language=language,
            published_at=published,
            updated_at=published + timedelta(days=draw.between(1, 60))
            if draw.chance(0.2)
            else None,
            fetched_at=published + timedelta(hours=draw.between(0, 72)),
            sectors=[sector.code for sector in sectors],
            hs_codes=_hs_codes(draw, sectors),
            content_hash=f"{draw.rng.getrandbits(64):016x}",
            links=[SourceLink(source.id, url)],
            **fields,
        )

    def _pick_sectors(self, draw: Draw) -> list[Sector]:
        """One to three distinct sectors, or none (cross-sector)."""
        roll = draw.random()
        count = 1 if roll < 0.6 else 2 if roll < 0.9 else 3
        picked: dict[str, Sector] = {}
        for _ in range(count):
            sector = self.sectors.pick(draw)
            if sector is None:
                return []
            picked[sector.code] = sector
        return list(picked.values())

    def _title_slots(
        self, draw: Draw, source: Source, keywords: list[str], fields: dict[str, Any]
    ) -> dict[str, object]:
        """Values for the title template of a document."""
        choices = keywords or self.vocabulary[source.language][FUNCTION_WORDS:]
        venue: Venue | None = fields.get("venue")
        countries: list[str] = fields.get("countries") or [source.country.upper()]
        starts: date | None = fields.get("starts_on")
        return {
            "kw": draw.pick(choices),
            "kw2": draw.pick(choices),
            "city": venue.city if venue else "",
            "country": _market_name(self.taxonomy, countries[0], source.language),
            "year": starts.year if starts else "",
            "fair": draw.pick(self.brands) + draw.pick(BRAND_REGIONS),
            "provider": fields.get("provider"),
            "ref": fields.get("reference"),
        }

    def _text(self, draw: Draw, language: str, keywords: list[str], words: int) -> str:
        """About `words` words: passages of ~40 words, each ending on a keyword or a detail."""
        prose = self.prose[language]
        parts = []
        while words > 0:
            passage = prose.passage(draw, min(words, draw.between(20, 60)))
            words -= passage.count(" ") + 1
            roll = draw.random()
            if keywords and roll < 0.8:
                passage = f"{passage[:-1]} {draw.pick(keywords)}."
            elif roll > 0.9:
                passage = f"{passage[:-1]} {self._detail(draw)}."
            parts.append(passage)
        return " ".join(parts)

    def _detail(self, draw: Draw) -> str:
        """A rare token: a company, a brand, a number or an amount."""
        roll = draw.random()
        if roll < 0.3:
            return draw.pick(self.companies)
        if roll < 0.5:
            return draw.pick(self.brands)
        if roll < 0.8:
            return str(draw.between(10, 100_000))
        return f"EUR {draw.between(1, 500) * 10} 000"

    # Kind-specific fields

    def _event_fields(self, draw: Draw, source: Source, published: datetime) -> dict[str, Any]:
        """Venue, dates, organizer; countries: the venue country, sometimes a grouping."""
        country = self.venues.pick(draw)
        city = draw.pick(VENUES[country][1])
        starts = EVENTS_FROM + timedelta(days=draw.between(0, EVENT_DAYS))
        countries = [country, self.groupings.pick(draw)] if draw.chance(0.15) else [country]
        deadline = starts - timedelta(days=draw.between(30, 120))
        return {
            "starts_on": starts,
            "ends_on": starts + timedelta(days=draw.between(0, 5)),
            "deadline": deadline if draw.chance(0.4) else None,
            "venue": Venue(draw.pick(VENUE_NAMES).format(city), city, country),
            "countries": countries,
            "organizer": LEGAL_FORMS[source.language].format(draw.pick(self.companies)),
        }

    def _finance_fields(self, draw: Draw, source: Source, published: datetime) -> dict[str, Any]:
        """Eligible countries (the publisher's, sometimes a grouping), target markets, deadline."""
        roll = draw.random()
        eligible = [source.country.upper()] if roll < 0.8 else ["EU"] if roll < 0.9 else []
        targets = [self.markets.pick(draw) for _ in range(draw.between(0, 3))]
        deadline = published.date() + timedelta(days=draw.between(30, 365))
        return {
            "eligible_countries": eligible,
            "countries": list(dict.fromkeys(targets)),
            "deadline": deadline if draw.chance(0.7) else None,
            "provider": draw.pick(PROVIDERS[source.language]),
        }

    def _regulation_fields(self, draw: Draw, source: Source, published: datetime) -> dict[str, Any]:
        """A WTO notification: the notifying member (country or grouping), symbol and dates."""
        if draw.chance(0.2):
            market = self.regulators.pick(draw)
            member = REGULATOR_MEMBERS[market]
        else:
            market = self.markets.pick(draw)
            member = _alpha3(market)
        agreement = "TBT" if draw.chance(0.65) else "SPS"
        day = published.date()
        effective = day + timedelta(days=draw.between(90, 720))
        return {
            "countries": [market],
            "reference": f"G/{agreement}/N/{member}/{draw.between(1, 2400)}",
            "deadline": day + timedelta(days=60),
            "effective_on": effective if draw.chance(0.8) else None,
        }


_KIND_FIELDS = {
    Kind.EVENT: Corpus._event_fields,
    Kind.FINANCE: Corpus._finance_fields,
    Kind.REGULATION: Corpus._regulation_fields,
}


def _keywords(sector: Sector, language: str) -> tuple[str, ...]:
    """The sector's keywords in `language`, else in English."""
    return sector.keywords.get(language) or sector.keywords.get("en") or ()


def _hs_codes(draw: Draw, sectors: list[Sector]) -> list[str]:
    """Half the documents name one or two HS chapters of their sectors."""
    chapters = [chapter for sector in sectors for chapter in sector.hs_chapters]
    if not chapters or draw.chance(0.5):
        return []
    return sorted({draw.pick(chapters) for _ in range(draw.between(1, 3))})


def _pseudo_word(draw: Draw) -> str:
    """A pronounceable made-up name (companies), rare in the text."""
    return "".join(draw.pick(SYLLABLES) for _ in range(draw.between(2, 5))).capitalize()


@cache
def _alpha3(code: str) -> str:
    """The WTO member symbol of a country: its ISO alpha-3 code."""
    country = pycountry.countries.get(alpha_2=code)
    return str(country.alpha_3) if country else code


@cache
def _market_name(taxonomy: Taxonomy, code: str, language: str) -> str:
    """Display name of a country or grouping, cached (CLDR lookups are slow)."""
    return taxonomy.markets.name(code, language)


def generate(n: int, seed: int = 42) -> Iterator[Document]:
    """`n` synthetic documents, always the same for the same seed."""
    return Corpus(seed).documents(n)


def main() -> None:
    """Time the generator and print one document of each kind."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="documents (default 100000)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--show", action="store_true", help="print one document of each kind")
    args = parser.parse_args()
    started = time.perf_counter()
    corpus = Corpus(args.seed)
    setup = time.perf_counter() - started
    samples: dict[Kind, Document] = {}
    words = 0
    started = time.perf_counter()
    for document in corpus.documents(args.n):
        samples.setdefault(document.kind, document)
        words += document.body.count(" ") + 1
    seconds = time.perf_counter() - started
    if args.show:
        for document in samples.values():
            print(json.dumps(document.to_json(), ensure_ascii=False, indent=1))
    print(f"setup {setup:.2f} s; {args.n} documents in {seconds:.2f} s = {args.n / seconds:,.0f}/s")
    print(f"mean body length {words / args.n:.0f} words")


if __name__ == "__main__":
    main()
