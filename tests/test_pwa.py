"""The installable app over HTTP: hashed static files, compression, the manifest, the service worker, the offline
page, the session endpoint, the marks pages carry for the service worker, logging out, and notes on a job."""
from __future__ import annotations

import gzip
import io
import json
import re

import brotli
import pytest
import sqlalchemy as sa
from PIL import Image

from shopledger.assets import IMMUTABLE
from shopledger.models import JobNote
from shopledger.services import customers, job_notes, jobs
from shopledger.services.errors import DomainError

HX = {"HX-Request": "true"}
HASHED = re.compile(r"^/static/app\.[0-9a-f]{10}\.css$")


@pytest.fixture
def team(make_team):
    return make_team("Noor Tailors")


@pytest.fixture
def job(db, team):
    customer = customers.create_customer(team.shop, by=team.owner, name="Ali Raza")
    made = jobs.create_job(team.shop, customer, by=team.owner, title="Two shirts")
    db.session.commit()
    return made


def static_url(app, filename: str) -> str:
    with app.test_request_context():
        from flask import url_for

        return url_for("static", filename=filename)


# Static files


def test_static_files_have_content_hashed_names_and_are_kept_for_a_year(app, client):
    url = static_url(app, "app.css")
    assert HASHED.match(url)
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "text/css"
    assert response.headers["Cache-Control"] == IMMUTABLE == "public, max-age=31536000, immutable"
    # The same file again answers 304 to the browser that holds it.
    again = client.get(url, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_the_plain_name_and_an_old_releases_hash_are_served_but_checked_on_every_use(client, app):
    current = client.get(static_url(app, "app.js")).get_data()
    for path in ("/static/app.js", "/static/app.0123456789.js"):
        response = client.get(path)
        assert response.status_code == 200 and response.get_data() == current
        assert response.headers["Cache-Control"] == "public, no-cache"
    assert client.get("/static/no-such-file.0123456789.js").status_code == 404
    assert client.get("/static/../pyproject.toml").status_code == 404


def test_the_stylesheet_names_its_fonts_by_their_hashes(app, client):
    css = client.get(static_url(app, "app.css")).get_data(as_text=True)
    fonts = re.findall(r'url\("(fonts/[^"]+)"\)', css)
    assert fonts and all(re.search(r"\.[0-9a-f]{10}\.woff2$", font) for font in fonts)
    for font in fonts:
        response = client.get(f"/static/{font}")
        assert response.status_code == 200 and response.headers["Cache-Control"] == IMMUTABLE


def test_a_changed_file_gets_a_new_name(app, tmp_path):
    from shopledger.assets import AssetStore

    (tmp_path / "fonts").mkdir()
    (tmp_path / "fonts" / "a.woff2").write_bytes(b"one")
    (tmp_path / "site.css").write_text('@font-face { src: url("fonts/a.woff2"); }')
    assets = AssetStore(tmp_path)
    css_before, font_before = assets.hashed_name("site.css"), assets.hashed_name("fonts/a.woff2")
    (tmp_path / "fonts" / "a.woff2").write_bytes(b"two, longer")
    # The font changed, so its name did; the stylesheet that names it changed with it.
    assert assets.hashed_name("fonts/a.woff2") != font_before
    assert assets.hashed_name("site.css") != css_before
    assert assets.hashed_name("fonts/a.woff2").split("/")[-1] in assets.get("site.css").body.decode()


def test_outside_development_a_file_is_read_once_and_then_served_from_memory(app, tmp_path):
    from shopledger.assets import AssetStore

    (tmp_path / "app.js").write_text("one")
    assets = AssetStore(tmp_path, watch=False)
    first = assets.hashed_name("app.js")
    (tmp_path / "app.js").write_text("two, longer")
    # A running release never looks at the disk again for a file it has: a page names a dozen of them.
    assert assets.hashed_name("app.js") == first and assets.get("app.js").body == b"one"
    assert assets.hashed_name("missing.js") == "missing.js"
    assert not app.debug and app.extensions["shopledger_assets"].watch is False


# Compression


def test_pages_and_static_text_are_compressed_for_browsers_that_accept_it(app, client, login, team):
    login(client, team.owner.email)
    plain = client.get("/more").get_data()
    for encoding, unpack in (("br", brotli.decompress), ("gzip", gzip.decompress)):
        page = client.get("/more", headers={"Accept-Encoding": f"{encoding}"})
        assert page.headers["Content-Encoding"] == encoding
        assert "Accept-Encoding" in page.headers["Vary"] and "HX-Request" not in page.headers.get("Content-Encoding")
        unpacked = unpack(page.get_data())
        # The CSRF token differs per render; the rest of the page is the same.
        assert len(unpacked) == pytest.approx(len(plain), abs=64) and len(page.get_data()) < len(unpacked) / 3
    script = client.get(static_url(app, "app.js"), headers={"Accept-Encoding": "gzip, deflate, br"})
    assert script.headers["Content-Encoding"] == "br" and "Accept-Encoding" in script.headers["Vary"]
    assert brotli.decompress(script.get_data()) == client.get(static_url(app, "app.js")).get_data()


def test_nothing_is_compressed_twice_or_for_browsers_that_do_not_ask(app, client):
    font = client.get(static_url(app, "fonts/NotoNastaliqUrdu-400.woff2"), headers={"Accept-Encoding": "br, gzip"})
    assert "Content-Encoding" not in font.headers
    png = client.get(static_url(app, "icons/icon-192.png"), headers={"Accept-Encoding": "br, gzip"})
    assert "Content-Encoding" not in png.headers
    assert "Content-Encoding" not in client.get("/login").headers
    tiny = client.get("/healthz", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in tiny.headers and tiny.json == {"status": "ok", "database": "ok"}


# The manifest


@pytest.mark.parametrize(("lang", "direction", "customers_word"), [("en", "ltr", "Customers"), ("ur", "rtl", "گاہک")])
def test_the_manifest_describes_an_installable_app_in_each_language(client, app, lang, direction, customers_word):
    response = client.get(f"/manifest.webmanifest?lang={lang}")
    assert response.mimetype == "application/manifest+json"
    manifest = json.loads(response.get_data())
    assert {key: manifest[key] for key in ("id", "start_url", "scope", "display", "lang", "dir")} == {
        "id": "/", "start_url": "/", "scope": "/", "display": "standalone", "lang": lang, "dir": direction}
    assert manifest["name"] == manifest["short_name"] == "ShopLedger"
    assert manifest["theme_color"] == "#0b6b4f" and manifest["background_color"]
    assert manifest["shortcuts"][0]["name"] == customers_word
    icons = {(icon["sizes"], icon["purpose"]): icon for icon in manifest["icons"]}
    for (sizes, purpose), icon in icons.items():
        fetched = client.get(icon["src"])
        assert fetched.status_code == 200 and fetched.mimetype == icon["type"]
        if icon["type"] == "image/png":
            image = Image.open(io.BytesIO(fetched.get_data()))
            assert f"{image.width}x{image.height}" == sizes
            if purpose == "maskable":
                # Full bleed: the corners are painted, the mark sits inside the safe circle.
                assert image.convert("RGBA").getpixel((0, 0))[3] == 255
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= set(icons)


def test_every_page_links_the_manifest_in_its_language_and_the_touch_icon(client, login, team):
    login(client, team.owner.email)
    page = client.get("/more").get_data(as_text=True)
    assert '<link rel="manifest" href="/manifest.webmanifest?lang=en">' in page
    assert re.search(r'<link rel="apple-touch-icon" href="/static/icons/apple-touch-icon\.[0-9a-f]{10}\.png">', page)


# The service worker


def test_the_service_worker_comes_from_the_root_unchecked_by_caches_with_its_release_and_precache_list(app, client):
    response = client.get("/sw.js")
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["Service-Worker-Allowed"] == "/"
    script = response.get_data(as_text=True)
    settings = json.loads(re.match(r"self\.SHOPLEDGER = (\{.*\});\n", script).group(1))
    assert re.fullmatch(r"[0-9a-f]{12}", settings["release"])
    assert settings["offline"] == "/offline" and "/offline" in settings["precache"]
    assert static_url(app, "app.css") in settings["precache"]
    for url in settings["precache"]:
        assert client.get(url).status_code == 200, url
    # Unchanged, the browser's update check costs a 304.
    assert client.get("/sw.js", headers={"If-None-Match": response.headers["ETag"]}).status_code == 304


def test_the_release_changes_with_what_the_service_worker_keeps(app, monkeypatch):
    from shopledger.blueprints.pwa import routes

    with app.test_request_context():
        before = routes.release()
        monkeypatch.setattr(routes, "PRECACHE", (*routes.PRECACHE, "pdf.css"))
        assert routes.release() != before


def test_the_offline_page_is_in_both_languages_and_the_same_for_everyone(client, login, team):
    visitor = client.get("/offline")
    login(client, team.owner.email)
    client.get("/more")  # the first page after logging in settles the session
    member = client.get("/offline")
    for response in (visitor, member):
        page = response.get_data(as_text=True)
        assert response.headers["Cache-Control"] == "public, no-cache"
        assert '<section class="card offline-message" lang="en" dir="ltr"' in page
        assert '<section class="card offline-message" lang="ur" dir="rtl"' in page
        assert "You are offline" in page and "آپ آف لائن ہیں" in page
        assert "Noor Tailors" not in page and team.owner.name not in page and "csrf" not in page.lower()
        assert 'data-user=""' in page
        assert "Set-Cookie" not in response.headers
        assert "X-ShopLedger-User" not in response.headers


# A fresh token, and whose pages these are


def test_the_session_endpoint_gives_a_member_a_fresh_csrf_token_and_a_visitor_401(client, login, team, job):
    visitor = client.get("/pwa/session")
    assert visitor.status_code == 401 and visitor.json == {"error": "logged_out"}
    assert visitor.headers["Cache-Control"] == "no-store"
    login(client, team.staff.email)
    answer = client.get("/pwa/session")
    assert answer.status_code == 200 and set(answer.json) == {"csrf_token", "user"}
    # The token is good for sending what the phone kept (in the header, as offline.js sends it).
    sent = client.post(f"/jobs/{job.id}/notes", csrf=False, headers={**HX, "X-CSRFToken": answer.json["csrf_token"]},
                       data={"body": "Collar one size up", "idempotency_key": "k-1"})
    assert sent.status_code == 200
    refused = client.post(f"/jobs/{job.id}/notes", csrf=False, headers={**HX, "X-CSRFToken": "stale"},
                          data={"body": "Collar one size up", "idempotency_key": "k-2"})
    assert refused.status_code == 400


def test_pages_tell_the_service_worker_whose_they_are_and_which_it_may_keep(client, login, make_team, team):
    assert client.get("/login").headers["X-ShopLedger-User"] == "-"
    login(client, team.owner.email)
    owner_key = client.get("/customers").headers["X-ShopLedger-User"]
    assert re.fullmatch(r"[0-9a-f]{24}", owner_key)
    assert str(team.owner.id) not in owner_key
    for path in ("/customers", "/jobs"):
        page = client.get(path)
        assert page.headers["X-ShopLedger-Offline"] == "keep"
        assert page.headers["X-ShopLedger-User"] == owner_key
        fragment = client.get(path, headers=HX)
        assert "X-ShopLedger-Offline" not in fragment.headers and "X-ShopLedger-User" not in fragment.headers
        boosted = client.get(path, headers={**HX, "HX-Boosted": "true"})
        assert boosted.headers["X-ShopLedger-Offline"] == "keep"
    for path in ("/", "/more", "/invoices", "/payments", "/customers/new"):
        assert "X-ShopLedger-Offline" not in client.get(path).headers, path
    # Another member of the same shop is someone else to the service worker.
    other = client.application.test_client()
    login(other, team.manager.email)
    assert other.get("/customers").headers["X-ShopLedger-User"] not in ("-", owner_key)


def test_logging_out_tells_the_browser_to_forget_what_it_kept(client, login, team):
    login(client, team.owner.email)
    response = client.post("/logout")
    assert response.status_code == 303
    assert response.headers["Clear-Site-Data"] == '"cache", "storage"'


# Notes on a job


def test_a_note_sent_twice_with_one_key_is_written_once(db, team, job):
    note, created = job_notes.add(team.shop, job, by=team.staff, body="  Collar one size up  ", idempotency_key="k")
    again, created_again = job_notes.add(team.shop, job, by=team.staff, body="Collar one size up", idempotency_key="k")
    db.session.commit()
    assert (created, created_again) == (True, False) and again.id == note.id
    assert note.body == "Collar one size up"
    assert [n.id for n in job_notes.for_job(team.shop, job)] == [note.id]
    with pytest.raises(DomainError) as error:
        job_notes.add(team.shop, job, by=team.staff, body="   ")
    assert error.value.field == "body"


def test_the_job_page_takes_a_note_in_place_once_per_key(client, login, team, job, db):
    login(client, team.staff.email)
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    key = re.search(r'id="job-note-key" name="idempotency_key" type="hidden" value="([^"]+)"', page).group(1)
    assert 'data-offline="note"' in page
    for _ in range(2):  # a retry of the same form
        answer = client.post(f"/jobs/{job.id}/notes", headers=HX,
                             data={"body": "Customer called: collar one size up.", "idempotency_key": key})
        assert answer.status_code == 200
        assert json.loads(answer.headers["HX-Trigger"])["job-note-added"]["job_id"] == job.id
        assert answer.get_data(as_text=True).lstrip().startswith('<section class="card job-notes" id="job-notes"')
        assert "Customer called: collar one size up." in answer.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(JobNote)) == 1
    # The answer's form carries a new key for the next note.
    assert key not in answer.get_data(as_text=True)


def test_an_empty_note_answers_422_beside_the_field_and_without_htmx_the_whole_page(client, login, team, job):
    login(client, team.staff.email)
    fragment = client.post(f"/jobs/{job.id}/notes", headers=HX, data={"body": " ", "idempotency_key": "e1"})
    assert fragment.status_code == 422
    assert 'id="job-note-body-error"' in fragment.get_data(as_text=True)
    page = client.post(f"/jobs/{job.id}/notes", data={"body": "", "idempotency_key": "e2"})
    assert page.status_code == 422 and "<!doctype html>" in page.get_data(as_text=True)
    assert 'id="job-note-body-error"' in page.get_data(as_text=True)
    saved = client.post(f"/jobs/{job.id}/notes", data={"body": "Buttons bought", "idempotency_key": "e3"})
    assert saved.status_code == 303 and saved.headers["Location"].endswith(f"/jobs/{job.id}#job-notes")


def test_a_viewer_reads_notes_but_cannot_write_one(client, login, team, job, db):
    job_notes.add(team.shop, job, by=team.owner, body="Cloth arrived")
    db.session.commit()
    login(client, team.viewer.email)
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "Cloth arrived" in page and 'data-offline="note"' not in page
    assert client.post(f"/jobs/{job.id}/notes", data={"body": "x"}).status_code == 403
