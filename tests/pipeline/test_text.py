"""Plain text, titles, summaries and display HTML from what sources publish."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exportwatch.pipeline import text as text_module
from exportwatch.pipeline.text import (
    MAX_INPUT_CHARS,
    clean_text,
    clean_title,
    html_to_text,
    sanitize_html,
    summarize,
)

HTML = Path(__file__).resolve().parent.parent / "fixtures" / "pipeline" / "html"


def page(name: str) -> str:
    return (HTML / name).read_text(encoding="utf-8")


def invisible(text: str) -> list[str]:
    """Characters that must never reach a document: controls (but \\n), format, surrogates."""
    return [
        char
        for char in text
        if unicodedata.category(char) in {"Cc", "Cf", "Cs", "Co"} and char != "\n"
    ]


def test_public_surface() -> None:
    assert set(text_module.__all__) == {
        "MAX_INPUT_CHARS", "clean_text", "clean_title", "html_to_text", "sanitize_html",
        "summarize",
    }  # fmt: skip


# --- html_to_text on recorded pages -----------------------------------------------------------


def test_trade_fair_page_keeps_the_article_and_drops_the_page_around_it() -> None:
    text = html_to_text(page("trade_fair_page.html"))

    assert text.startswith("Anuga FoodTec 2026\n\n24–27 March 2026 · Cologne, Germany\n\n")
    assert (
        "Anuga FoodTec is the leading international supplier fair for the food and beverage "
        "industry. Every three years"
    ) in text  # inline tags, &nbsp; and source line breaks become single spaces
    assert "\n\nKey facts\n\nDates: 24 to 27 March 2026\nVenue: Koelnmesse, Cologne\n" in text
    assert "Organizer: Koelnmesse GmbH & DLG" in text
    assert "Day | Hours\nTuesday to Thursday | 9:00 – 18:00\nFriday | 9:00 – 16:00" in text
    assert text.endswith("see the joint stand programme for details.")
    for boilerplate in (
        "cookies", "Skip to main content", "Log in", "Search", "Home", "Share on",
        "Related events", "interpack", "newsletter", "Imprint", "All rights reserved",
        "dataLayer", "schema.org",
    ):  # fmt: skip
        assert boilerplate not in text


def test_scheme_page_without_main_element_uses_its_content_container() -> None:
    text = html_to_text(page("eca_scheme_page.html"))

    assert text.startswith("Export working capital scheme\n\nGet the finance you need")
    assert "\n\nWho can apply\n\nUK-based businesses of any size, including SMEs, that:\n\n" in text
    assert "are carrying out business in the UK;\nhave won, or are bidding for" in text
    assert "Cover\nUp to 80% of the facility\nTerm\nUsually up to 5 years" in text
    for boilerplate in (
        "Careers", "Country cover policy", "Bond support scheme", "Was this page useful",
        "Horse Guards", "LinkedIn", "cookies",
    ):  # fmt: skip
        assert boilerplate not in text


def test_notification_page_with_xml_declaration_keeps_table_rows_as_lines() -> None:
    text = html_to_text(page("wto_notification_page.html"))

    assert text.startswith("G/TBT/N/EU/1123\n\n18 February 2025\n\nNOTIFICATION\n\n")
    assert "\n1. | Notifying Member: EUROPEAN UNION\n2. | Agency responsible:" in text
    assert "8. | Proposed date of adoption: Third quarter of 2025\nProposed date" in text
    assert "Final date for comments: 60 days from notification" in text
    assert "World Trade Organization" not in text
    assert "Disclaimer" not in text


def test_feed_entry_fragment_keeps_everything_but_scripts() -> None:
    text = html_to_text(page("feed_entry.html"))

    assert text == (
        "The Ministry of Trade invites Indonesian SMEs to join the trade mission to Vietnam "
        "from 12–15 May 2026.\n\n"
        "Participants will meet importers of furniture, coffee & cocoa in Hanoi and Ho Chi Minh "
        "City.\nRegistration closes on 20 March 2026.\n\n"
        "Business matching with pre-screened buyers\nMarket briefing by the trade attaché\n\n"
        "Read more: mission page"
    )


def test_broken_page_yields_its_content_without_script_or_menu() -> None:
    text = html_to_text(page("broken_page.html"))

    assert text.startswith("Salon international de l'emballage 2026\n\n")
    assert "fabricants d'emballages & de machines de conditionnement" in text
    assert "Plus de 1 200 exposants\nConférences sur l'emballage durable" in text
    assert "not text" not in text
    assert "Accueil" not in text


# --- html_to_text on odd input ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("", ""),
        ("   \n ", ""),
        ("plain  text\n\n\n\nnext   paragraph", "plain text\n\nnext paragraph"),
        ("limits: x < 5 and y > 3", "limits: x < 5 and y > 3"),
        ("<", "<"),
        ("<html></html>", ""),
        ("<?xml version='1.0' encoding='utf-8'?>", ""),
        ("<p>one</p><p>two</p>", "one\n\ntwo"),
        ("<li>one</li><li>two</li>", "one\ntwo"),
        ("<b>bold</b> <i>italic</i>", "bold italic"),
        ("a<br>b<br/><br>c", "a\nb\nc"),
        ("<p>x\x00y\ud800z\x1b</p>", "xyz"),
        ("<p hidden>gone</p><p aria-hidden='true'>gone</p><p>kept</p>", "kept"),
        ("<pre>line 1\n  line 2</pre>", "line 1\nline 2"),
        ("<p>&amp;amp; &lt;tag&gt; &bogus; &#xZZ;</p>", "& <tag> &bogus; &#xZZ;"),
        ("<style>p {}</style><template><p>t</p></template><p>body</p>", "body"),
        ("<html><head><title>Only a title</title></head></html>", ""),
    ],
)
def test_html_to_text_handles_odd_input(html: str, expected: str) -> None:
    assert html_to_text(html) == expected


def test_page_whose_content_sits_in_a_page_wide_form_keeps_it() -> None:
    html = "<html><body><form id='aspnetForm'><p>All the content of the page.</p></form></body>"
    assert html_to_text(html) == "All the content of the page."


def test_huge_inputs_are_capped() -> None:
    assert len(html_to_text("<p>" + "word " * 600_000)) <= MAX_INPUT_CHARS
    assert html_to_text("<div>" * 300_000 + "deep") in ("deep", "")  # bounded, never raises
    assert len(clean_text("a " * 1_500_000)) <= MAX_INPUT_CHARS


# --- clean_text -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("AT&amp;T &amp;amp; Co&nbsp;KG", "AT&T & Co KG"),
        ("&#8211; &#x2013; &ndash;", "– – –"),
        ("e\u0301te\u0301", "été"),  # NFC
        ("zero\u200bwidth\ufeff \u200djoin\u2060er", "zerowidth joiner"),
        ("bidi \u202emarks\u202c and soft\u00adhyphen", "bidi marks and softhyphen"),
        ("bell\x07 escape\x1b[0m", "bell escape[0m"),
        ("tabs\tand\u00a0odd\u2003spaces", "tabs and odd spaces"),
        ("windows\r\nmac\rline\u2028sep", "windows\nmac\nline\nsep"),
        ("  para one  \n\n\n\n  para two \n", "para one\n\npara two"),
        ("\n \n", ""),
        ("icon\ue001font", "iconfont"),
    ],
)
def test_clean_text(text: str, expected: str) -> None:
    assert clean_text(text) == expected


def test_clean_text_accepts_what_is_not_text() -> None:
    assert clean_text(None) == ""  # type: ignore[arg-type]
    assert clean_text(b"bytes") == ""  # type: ignore[arg-type]


# --- clean_title ------------------------------------------------------------------------------


def test_clean_title_removes_tags_entities_and_line_breaks() -> None:
    assert clean_title("  <b>Anuga</b>&nbsp;FoodTec\n 2026 <script>x()</script>") == (
        "Anuga FoodTec 2026"
    )
    assert clean_title("&lt;em&gt;Double&lt;/em&gt; escaped") == "Double escaped"
    assert clean_title("Expo<br>2026") == "Expo 2026"
    assert clean_title("Tariffs < 5% & quotas > 10%") == "Tariffs < 5% & quotas > 10%"


def test_clean_title_cuts_long_titles_at_a_word_boundary() -> None:
    title = "International trade fair for food, beverages and packaging technology"
    assert clean_title(title, limit=40) == "International trade fair for food…"
    assert clean_title(title, limit=len(title)) == title
    assert clean_title("上海国际食品饮料博览会暨进出口贸易洽谈会", limit=8) == "上海国际食品饮…"
    assert clean_title("Straße", limit=1) == "…"
    assert clean_title("anything", limit=0) == ""


def test_clean_title_bounds_absurd_titles() -> None:
    title = clean_title("Ärger <b>" * 5000 + "x" * 40_000)
    assert len(title) <= 300
    assert title.endswith("…")
    assert "<" not in title


# --- summarize --------------------------------------------------------------------------------


def test_short_text_is_its_own_summary_on_one_line() -> None:
    assert summarize("Key facts\n\nDates: 24 March\nVenue: Cologne") == (
        "Key facts · Dates: 24 March · Venue: Cologne"
    )
    assert summarize("One sentence.\n\nAnother one.") == "One sentence. Another one."


def test_summary_ends_after_a_sentence_when_one_ends_late_enough() -> None:
    text = html_to_text(page("trade_fair_page.html"))
    summary = summarize(text, limit=300)
    assert summary.endswith("decision-makers from the food industry.")
    assert summary.startswith("Anuga FoodTec 2026 · 24–27 March 2026 · Cologne, Germany · ")
    assert len(summary) <= 300


def test_summary_is_cut_at_a_word_with_an_ellipsis_otherwise() -> None:
    text = "A sentence that goes on and on without ever reaching its end " * 5
    summary = summarize(text, limit=50)
    assert summary == "A sentence that goes on and on without ever…"


def test_summary_does_not_end_at_abbreviations_or_ordinal_dates() -> None:
    text = "Die Messe findet am 30. April statt. Sie ist z.B. für KMU gedacht. " * 5
    assert summarize(text, limit=80) == (
        "Die Messe findet am 30. April statt. Sie ist z.B. für KMU gedacht."
    )
    assert (
        summarize("本展会为中小企业提供服务。欢迎参加。" * 10, limit=15)
        == "本展会为中小企业提供服务。"
    )


def test_summarize_bounds_absurd_input() -> None:
    assert len(summarize("x" * 3_000_000)) == 400
    assert summarize("", limit=10) == ""
    assert summarize("text", limit=0) == ""


# --- sanitize_html ----------------------------------------------------------------------------


def test_sanitize_html_keeps_a_conservative_allowlist() -> None:
    html = sanitize_html(page("feed_entry.html"))

    assert "<b>trade mission to Vietnam</b>" in html
    assert "<li>Business matching with pre-screened buyers</li>" in html
    assert (
        '<a href="https://www.example.org/missions/vietnam-2026" '
        'rel="noopener noreferrer nofollow">mission page</a>'
    ) in html
    for removed in ("<img", "onclick", "<script", "tracking"):
        assert removed not in html


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ('<a href="javascript:alert(1)">x</a>', '<a rel="noopener noreferrer nofollow">x</a>'),
        ('<p onmouseover="steal()" style="color:red" class="x">p</p>', "<p>p</p>"),
        ("<h1>Title</h1><h2>Sub</h2>", "Title<h2>Sub</h2>"),
        ("<iframe src='https://evil.example'>inside</iframe>ok", "ok"),
        ("<table><tr><td colspan='2' width='9'>c</td></tr></table>",
         '<table><tbody><tr><td colspan="2">c</td></tr></tbody></table>'),
        ("<svg onload='x()'><script>x()</script></svg>done", "done"),
        ("", ""),
        ("plain \x00text\ud800", "plain text"),
    ],
)  # fmt: skip
def test_sanitize_html_removes_what_could_run_or_restyle(html: str, expected: str) -> None:
    assert sanitize_html(html) == expected


# --- properties -------------------------------------------------------------------------------

ANY_CHARACTER = st.one_of(
    st.characters(),
    st.characters(categories=["Cc", "Cf", "Cs", "Co", "Zs", "Zl", "Zp", "Mn"]),
    st.sampled_from("&;#<>/ \n\t\r.!?"),
)
ANY_TEXT = st.text(ANY_CHARACTER, max_size=400)
HTML_PIECES = st.one_of(
    ANY_TEXT,
    st.sampled_from(
        [
            "<p>", "</p>", "<br>", "<div class='menu'>", "</div>", "<script>", "</script>",
            "<table><tr><td>", "</td><td>", "<html>", "<body>", "<nav>", "</nav>", "<main>",
            "<article>", "<h1>", "<pre>", "<!--", "-->", "<![CDATA[", "<?xml version='1.0'?>",
            "&amp;", "&#0;", "&#x1F600;", "&nbsp;", "<li>", "<b>", "</b>", "<footer>",
        ]
    ),
)  # fmt: skip
ANY_HTML = st.lists(HTML_PIECES, max_size=40).map("".join)
PROPERTIES = settings(max_examples=300, deadline=None)


@PROPERTIES
@given(ANY_TEXT)
def test_clean_text_is_idempotent_and_leaves_nothing_invisible(text: str) -> None:
    cleaned = clean_text(text)
    assert clean_text(cleaned) == cleaned
    assert invisible(cleaned) == []
    assert cleaned == cleaned.strip()
    assert "\n\n\n" not in cleaned
    assert "  " not in cleaned
    assert unicodedata.is_normalized("NFC", cleaned)


@PROPERTIES
@given(ANY_HTML | ANY_TEXT, st.integers(min_value=-5, max_value=120))
def test_clean_title_is_one_bounded_clean_line(text: str, limit: int) -> None:
    title = clean_title(text, limit=limit)
    assert len(title) <= max(limit, 0)
    assert "\n" not in title
    assert invisible(title) == []
    assert clean_title(title, limit=limit) == title


@PROPERTIES
@given(ANY_HTML | ANY_TEXT, st.integers(min_value=-5, max_value=200))
def test_summary_is_one_bounded_clean_line(text: str, limit: int) -> None:
    summary = summarize(text, limit=limit)
    assert len(summary) <= max(limit, 0)
    assert "\n" not in summary
    assert invisible(summary) == []
    assert summarize(summary, limit=limit) == summary


@PROPERTIES
@given(ANY_HTML)
def test_html_to_text_returns_clean_text(html: str) -> None:
    text = html_to_text(html)
    assert clean_text(text) == text
    assert invisible(text) == []
    assert "<script" not in sanitize_html(html).lower()
