"""The search page: filters, facets, highlights, sorting, paging, shareable URLs, errors."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape

from exportwatch.model import Document, Kind, Venue
from exportwatch.search.sync import sync_outbox
from exportwatch.services import Services
from exportwatch.web import create_app
from exportwatch.web.search_params import SearchParams

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "web"
TODAY = date.today()


def _day(offset: int) -> date:
    return TODAY + timedelta(days=offset)


def _documents() -> list[Document]:
    fairs = [
        Document(
            id=f"cheese-{n:02d}",
            kind=Kind.EVENT,
            title=f"Cheese and dairy fair {n}",
            summary="Meet buyers of dairy products from across Europe.",
            url=f"https://fairs.example/cheese-{n}",
            source_id="koelnmesse-trade-fairs",
            language="en",
            starts_on=_day(n + 1),
            ends_on=_day(n + 3),
            venue=Venue(name="Messe", city="Köln", country="DE"),
            countries=["DE"],
            sectors=["food.dairy"],
        )
        for n in range(25)
    ]
    return [
        *fairs,
        Document(
            id="solar-finance",
            kind=Kind.FINANCE,
            title="Export credit for solar panels",
            summary="Guarantees for exporters of solar equipment to France.",
            url="https://finance.example/solar",
            source_id="bpifrance-assurance-export",
            language="en",
            deadline=_day(40),
            countries=["FR"],
            sectors=["energy.solar"],
        ),
        Document(
            id="past-fair",
            kind=Kind.EVENT,
            title="Dairy fair of last year",
            url="https://fairs.example/past",
            source_id="koelnmesse-trade-fairs",
            language="en",
            starts_on=_day(-60),
            ends_on=_day(-58),
            countries=["DE"],
            sectors=["food.dairy"],
        ),
    ]


@pytest.fixture
def client(services: Services) -> TestClient:
    services.store.save_documents(_documents())
    sync_outbox(services.store, services.index)
    return TestClient(create_app(services))


class _Links(HTMLParser):
    """Every <a href>, with its text, in document order."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._href, self._text = dict(attrs).get("href") or "", []

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.links.append((self._href, " ".join("".join(self._text).split())))
            self._href = None


class _Tags(HTMLParser):
    """Tag names, attribute names, hrefs and script sources of a page, as a browser sees them."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()
        self.attributes: set[str] = set()
        self.hrefs: list[str] = []
        self.scripts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.names.add(tag)
        self.attributes |= {name for name, _ in attrs}
        self.hrefs += [value or "" for name, value in attrs if name == "href"]
        if tag == "script":
            self.scripts.append(dict(attrs).get("src") or "inline")


def _links(html: str) -> list[tuple[str, str]]:
    parser = _Links()
    parser.feed(html)
    return parser.links


def _link(html: str, text: str) -> str:
    """The href of the first link whose text contains `text`."""
    return next(href for href, label in _links(html) if text in label)


def _hit_ids(html: str) -> list[str]:
    return re.findall(r'<h3><a href="/documents/([^"]+)">', html)


def test_healthz_reports_store_scheduler_and_index(services: Services) -> None:
    with TestClient(create_app(services)) as client:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"store": "ok", "scheduler": "stopped", "index": "embedded"},
    }


def test_healthz_is_degraded_when_the_store_is_gone(services: Services) -> None:
    services.store.close()
    for path in services.settings.data_dir.glob("exportwatch.db*"):
        path.unlink()
    with TestClient(create_app(services)) as client:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["checks"]["store"].startswith("error: ")


def test_empty_search_lists_upcoming_items_soonest_first(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert '<label for="q">' in page.text
    assert "26 results" in page.text  # the past fair expired from the default search
    ids = _hit_ids(page.text)
    assert ids[:3] == ["cheese-00", "cheese-01", "cheese-02"]
    assert "past-fair" not in ids and len(ids) == 20
    assert 'id="include-past" type="checkbox" name="upcoming" value="false">' in page.text


def test_include_past_items_brings_back_expired_ones(client: TestClient) -> None:
    page = client.get("/", params={"upcoming": "false", "q": "dairy fair"})
    assert "past-fair" in _hit_ids(page.text)
    assert 'value="false" checked' in page.text


def test_text_search_highlights_matches_inside_mark(client: TestClient) -> None:
    page = client.get("/", params={"q": "solar"})
    assert _hit_ids(page.text) == ["solar-finance"]
    assert "Export credit for <mark>solar</mark> panels" in page.text
    assert "exporters of <mark>solar</mark> equipment" in page.text
    assert "Deadline " + f"{_day(40).day} {_day(40):%B %Y}" in page.text


def test_facets_show_names_and_links_add_then_remove_the_filter(client: TestClient) -> None:
    page = client.get("/", params={"q": "dairy"})
    facet_links = dict((label, href) for href, label in _links(page.text))
    assert "Dairy 25" in facet_links  # sector name, not `food.dairy`
    assert "Germany 25" in facet_links  # country name, not `DE`
    assert "Koelnmesse – trade fair calendar 25" in facet_links  # source title, not its id
    narrowed = facet_links["Germany 25"]
    assert parse_qs(urlsplit(narrowed).query) == {"q": ["dairy"], "market": ["DE"]}
    filtered = client.get(narrowed)
    remove = _link(filtered.text, "Remove filter: Germany")
    assert parse_qs(urlsplit(remove).query) == {"q": ["dairy"]}
    assert 'class="active" aria-current="true"' in filtered.text


def test_filters_narrow_results_and_the_form_keeps_them(client: TestClient) -> None:
    page = client.get("/", params={"kind": "finance", "sector": "energy", "market": "fr"})
    assert _hit_ids(page.text) == ["solar-finance"]
    assert '<input type="checkbox" name="kind" value="finance" checked>' in page.text
    assert '<option value="energy" selected>' in page.text
    assert '<option value="FR" selected>France</option>' in page.text
    assert "Remove filter: </span>Export finance" in page.text
    assert '<details class="filters" id="filters" open>' in page.text


def test_month_facet_sets_a_date_window(client: TestClient) -> None:
    page = client.get("/", params={"q": "solar"})
    month = f"{_day(40):%B %Y}"
    href = _link(page.text, month)
    query = parse_qs(urlsplit(href).query)
    assert query["from"] == [_day(40).replace(day=1).isoformat()]
    assert _hit_ids(client.get(href).text) == ["solar-finance"]


def test_sort_by_date_and_pagination_with_a_numbered_window(client: TestClient) -> None:
    first = client.get("/", params={"q": "dairy", "sort": "soonest"})
    assert "25 results · showing 1–20" in first.text
    assert '<a href="/?q=dairy&amp;sort=soonest&amp;page=1" aria-current="page">' in first.text
    second = client.get(_link(first.text, "Next"))
    assert _hit_ids(second.text) == [f"cheese-{n:02d}" for n in range(20, 25)]
    assert '<ol class="hits" start="21">' in second.text
    assert "‹ Previous" in second.text and "Next ›" not in second.text
    assert '<option value="soonest" selected>' in second.text


def test_every_search_is_a_shareable_url_that_round_trips(client: TestClient) -> None:
    params = SearchParams(
        q="dairy", kind=("event",), sector=("food",), market=("EU",), date_from="2020-01-01",
        upcoming="false", sort="date", page="2",
    )  # fmt: skip
    page = client.get("/?" + params.to_query_string())
    assert page.status_code == 200
    pager = _link(page.text, "Previous")
    assert parse_qs(urlsplit(pager).query) == parse_qs(params.to_query_string(page="1"))
    feed = _link(page.text, "Atom feed")
    assert feed.startswith("/feeds/search.atom?")
    assert parse_qs(urlsplit(feed).query)["q"] == ["dairy"]
    subscribe = _link(page.text, "Subscribe to this search")
    assert parse_qs(urlsplit(subscribe).query) == {
        "keywords": ["dairy"],
        "kind": ["event"],
        "sector": ["food"],
        "market": ["EU"],
    }


def test_feed_links_keep_past_items_out_when_the_page_hides_them(client: TestClient) -> None:
    page = client.get("/", params={"q": "dairy"})
    for text in ("Atom feed", "Events calendar", "Download CSV"):
        assert parse_qs(urlsplit(_link(page.text, text)).query)["upcoming"] == ["true"]
    csv = client.get(_link(page.text, "Download CSV"))
    assert csv.status_code == 200 and "last year" not in csv.text


@pytest.mark.parametrize(
    ("params", "field_id", "message"),
    [
        ({"from": "2027-13-01"}, "from", "is not a date like 2027-03-15"),
        ({"sector": "nonsense"}, "sector", "unknown sector code 'nonsense'"),
        ({"market": "ZZZ"}, "market", "unknown country or grouping code 'ZZZ'"),
        ({"sort": "random"}, "sort", "unknown sort 'random'"),
        ({"page": "0"}, "pages", "is not a page number"),
        ({"kind": "fair"}, "kind", "unknown kind 'fair'"),
    ],
)
def test_bad_parameters_rerender_the_form_with_the_message_by_the_field(
    client: TestClient, params: dict[str, str], field_id: str, message: str
) -> None:
    page = client.get("/", params={"q": "dairy <b>", **params})
    assert page.status_code == 422
    assert f'<p class="field-error" id="{field_id}-error">' in page.text or field_id == "pages"
    assert escape(message) in page.text
    assert f'<a href="#{field_id}">' in page.text
    assert 'value="dairy &lt;b&gt;"' in page.text  # the user's input is kept, escaped


def test_field_errors_are_linked_to_their_control(client: TestClient) -> None:
    page = client.get("/", params={"to": "soon"})
    assert 'id="to" name="to" type="date" value="soon" aria-invalid="true"' in page.text
    assert 'aria-describedby="to-error"' in page.text


def test_unreachable_index_answers_503_with_the_form(unreachable_index: Services) -> None:
    with TestClient(create_app(unreachable_index)) as client:
        page = client.get("/", params={"q": "dairy"})
    assert page.status_code == 503
    assert "Search is temporarily unavailable" in page.text
    assert '<input id="q" name="q" type="search" value="dairy"' in page.text


def test_hostile_titles_and_queries_render_inert(services: Services) -> None:
    hostile = json.loads((FIXTURES / "hostile.json").read_text())
    documents = [
        Document(
            id=f"hostile-{n}",
            kind=Kind.EVENT,
            title=title,
            summary=hostile["summary"],
            url=hostile["urls"][n],
            source_id="<script>src</script>",
            starts_on=_day(5),
            sectors=["food.dairy"],
        )
        for n, title in enumerate(hostile["titles"])
    ]
    services.store.save_documents(documents)
    sync_outbox(services.store, services.index)
    with TestClient(create_app(services)) as client:
        reflected = client.get("/", params={"q": '"><script>alert(0)</script>'})
        page = client.get("/", params={"q": "dairy"})
    assert "<script>alert(0)" not in reflected.text
    assert 'value="&#34;&gt;&lt;script&gt;alert(0)&lt;/script&gt;"' in reflected.text
    assert page.status_code == 200
    assert len(_hit_ids(page.text)) == len(documents)
    tags = _Tags()
    tags.feed(page.text)
    assert not {"img", "iframe", "b"} & tags.names
    assert tags.scripts == ["http://testserver/static/search.js"]  # ours only
    assert not [name for name in tags.attributes if name.startswith("on")]
    assert all(not href.lower().startswith(("javascript:", "data:")) for href in tags.hrefs)
    assert "{{ 7*7 }}" in page.text  # text, never evaluated as a template
    assert "&lt;/h3&gt;&lt;/a&gt;" in page.text
