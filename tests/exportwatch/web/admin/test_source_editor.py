"""Add and edit sources: validate with line numbers, preview without storing, save atomically."""

from __future__ import annotations

import html
import re
from pathlib import Path

from fastapi.testclient import TestClient

from exportwatch.services import Services
from tests.exportwatch.web.admin.conftest import csrf
from tests.mockserver import FixtureServer


def definition(
    server: FixtureServer, source_id: str = "more-fairs", name: str = "More fairs"
) -> str:
    return (
        f"id: {source_id}\nname: {name}\nkind: event\ntype: feed\n"
        f"url: {server.url('feeds/rss20-ttl.rss')}\n"
    )


def submit(
    client: TestClient, path: str, text: str, action: str = "validate", seal: str = ""
) -> tuple[int, str]:
    data = {"csrf_token": csrf(client, "/admin"), "definition": text, "action": action}
    if seal:
        data["validated"] = seal
    response = client.post(path, data=data)
    return response.status_code, response.text


def seal_of(page: str) -> str:
    found = re.search(r'name="validated" value="([0-9a-f]+)"', page)
    assert found, "no Save button"
    return found.group(1)


def test_add_validates_previews_then_saves(
    admin: TestClient, admin_services: Services, fixture_server: FixtureServer
) -> None:
    folder = admin_services.settings.sources_dir
    form = admin.get("/admin/sources/new")
    assert form.status_code == 200 and 'value="save"' not in form.text
    text = definition(fixture_server)
    status, page = submit(admin, "/admin/sources/new", text)
    assert status == 200
    assert "Valid: <code>more-fairs</code>" in page
    assert "Preview: 3 item(s), nothing stored" in page
    assert "Anuga 2025" in html.unescape(page)
    assert 'class="empty-fields"' in page
    assert admin_services.store.count_documents() == 0
    assert not (folder / "more-fairs.yaml").exists()
    saved = admin.post(
        "/admin/sources/new",
        data={
            "csrf_token": csrf(admin, "/admin"),
            "definition": text.replace("\n", "\r\n"),
            "action": "save",
            "validated": seal_of(page),
        },
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == "/admin?notice=saved&source=more-fairs"
    assert (folder / "more-fairs.yaml").read_text(encoding="utf-8") == text
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]  # no temp file left
    listed = admin.get(saved.headers["location"]).text
    assert (
        "<code>more-fairs</code>" in listed and "The definition of more-fairs is saved." in listed
    )


def test_save_without_validation_or_after_a_change_only_previews(
    admin: TestClient, admin_services: Services, fixture_server: FixtureServer
) -> None:
    text = definition(fixture_server)
    status, page = submit(admin, "/admin/sources/new", text, action="save", seal="0" * 64)
    assert status == 200 and "changed after it was validated" in page
    _, first = submit(admin, "/admin/sources/new", text)
    changed = text.replace("More", "Other fairs")
    _, page = submit(admin, "/admin/sources/new", changed, action="save", seal=seal_of(first))
    assert "changed after it was validated" in page
    assert not (admin_services.settings.sources_dir / "more-fairs.yaml").exists()


def test_bad_yaml_is_shown_with_its_line(admin: TestClient) -> None:
    status, page = submit(admin, "/admin/sources/new", "id: x\nname: [unclosed\nkind: event\n")
    assert status == 422
    assert re.search(r"<strong>Line \d+:</strong>", page)
    assert 'aria-describedby="definition-error"' in page
    assert 'value="save"' not in page


def test_a_field_problem_names_the_line_and_a_hint(
    admin: TestClient, fixture_server: FixtureServer
) -> None:
    text = definition(fixture_server) + "shedule: every 6h\n"
    status, page = submit(admin, "/admin/sources/new", text)
    assert status == 422
    assert "<strong>Line 6:</strong>" in page
    assert "did you mean" in html.unescape(page) and "schedule" in page
    assert "6 | shedule: every 6h" in page


def test_duplicate_and_escaping_ids_are_refused(
    admin: TestClient, admin_services: Services, fixture_server: FixtureServer
) -> None:
    status, page = submit(admin, "/admin/sources/new", definition(fixture_server, "fairs"))
    assert status == 422 and "exists already" in page
    status, page = submit(admin, "/admin/sources/new", definition(fixture_server, "../evil"))
    assert status == 422 and "not a valid id" in page
    folder = admin_services.settings.sources_dir
    assert sorted(p.name for p in folder.iterdir()) == ["fairs.yaml"]
    assert not (folder.parent / "evil.yaml").exists()


def test_edit_is_prefilled_keeps_its_id_and_replaces_the_file(
    admin: TestClient, admin_services: Services, fixture_server: FixtureServer
) -> None:
    path: Path = admin_services.settings.sources_dir / "fairs.yaml"
    form = admin.get("/admin/sources/fairs/edit")
    assert form.status_code == 200
    assert html.escape(path.read_text(), quote=False) in form.text
    renamed = path.read_text().replace("id: fairs", "id: other")
    status, page = submit(admin, "/admin/sources/fairs/edit", renamed)
    assert status == 422 and "cannot change" in page
    edited = path.read_text().replace("Fair calendar", "Fair calendar (edited)")
    _, page = submit(admin, "/admin/sources/fairs/edit", edited)
    status, _ = submit(admin, "/admin/sources/fairs/edit", edited, "save", seal_of(page))
    assert status == 303
    assert path.read_text() == edited
    assert admin.get("/admin/sources/nope/edit").status_code == 404


def test_preview_respects_the_ssrf_guard(
    admin: TestClient, admin_services: Services, fixture_server: FixtureServer
) -> None:
    guarded = admin_services.settings.model_copy(update={"allow_private_networks": False})
    admin_services.settings = guarded
    status, page = submit(admin, "/admin/sources/new", definition(fixture_server))
    assert status == 200
    assert "Preview: 0 item(s)" in page
    assert "loopback" in page  # the guard's reason is shown
    assert fixture_server.requests == []


def test_hostile_preview_text_is_inert(admin: TestClient, fixture_server: FixtureServer) -> None:
    hostile = "'<script>alert(1)</script>'"
    status, page = submit(admin, "/admin/sources/new", definition(fixture_server, name=hostile))
    assert status == 200
    assert "<script>alert(1)</script>" not in page
