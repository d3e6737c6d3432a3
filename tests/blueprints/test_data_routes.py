"""The Export page and its downloads, the customers import, and the Backup page: who may, what they get,
and bad input answered 422 with the message next to the field."""
from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile

import pytest
import sqlalchemy as sa

from shopledger.models import Customer, Role, Shop
from shopledger.services import backup, customers


@pytest.fixture(autouse=True)
def own_folders(app, tmp_path, monkeypatch):
    """Backups and import previews in this test's own folders: shop ids start again in every test."""
    monkeypatch.setitem(app.config, "BACKUP_FOLDER", str(tmp_path / "backups"))
    monkeypatch.setitem(app.config, "IMPORT_FOLDER", str(tmp_path / "imports"))


@pytest.fixture
def team(make_team, request_context):
    team = make_team("Noor Tailors")
    customers.create_customer(team.shop, by=team.owner, name="فاطمہ بی بی", phone="0321 4567890")
    from shopledger.extensions import db

    db.session.commit()
    return team


@pytest.fixture
def browser(client, team, login):
    def as_(role: Role):
        login(client, team.member(role).email)
        return client

    return as_


def _text(response) -> str:
    return response.get_data(as_text=True)


def _error_for(page: str, field: str) -> str:
    found = re.search(rf'id="{field}-error">([^<]*)<', page)
    assert found, f"no error next to {field}"
    return found.group(1)


def _count(db, model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


# --- Export -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("role, allowed", [(Role.OWNER, True), (Role.MANAGER, True), (Role.STAFF, False),
                                           (Role.VIEWER, False)])
def test_the_owner_and_managers_export_and_import_the_others_may_not(browser, role, allowed):
    client = browser(role)
    for path in ("/data/export", "/data/export/download?what=customers", "/data/import"):
        assert client.get(path).status_code == (200 if allowed else 403), path
    more = _text(client.get("/more"))
    assert ('href="/data/export"' in more) == allowed and ('href="/data/import"' in more) == allowed
    assert ('href="/data/backups"' in more) == (role == Role.OWNER)


def test_each_export_downloads_as_a_csv_with_a_bom(browser):
    client = browser(Role.MANAGER)
    page = _text(client.get("/data/export"))
    keys = re.findall(r'name="what" value="([a-z-]+)"', page)
    assert keys == ["customers", "jobs", "invoices", "invoice-lines", "payments", "allocations"]
    assert 'hx-boost="false"' in page  # a download, not a page htmx would swap in
    for key in keys:
        response = client.get(f"/data/export/download?what={key}&date_from=&date_to=")
        assert response.status_code == 200
        assert response.mimetype == "text/csv" and response.mimetype_params["charset"] == "utf-8"
        assert response.headers["Content-Disposition"].startswith(f'attachment; filename="{key}-')
        assert response.headers["Cache-Control"] == "private, no-store"
        assert response.get_data().startswith(codecs.BOM_UTF8)
    rows = list(csv.reader(io.StringIO(client.get("/data/export/download?what=customers").get_data()
                                       .decode("utf-8-sig"))))
    assert rows[1][:2] == ["فاطمہ بی بی", "0321 4567890"]


def test_an_urdu_reader_gets_urdu_headings(browser, client):
    client = browser(Role.OWNER)
    client.post("/language", data={"locale": "ur", "next": "/data/export"})
    data = client.get("/data/export/download?what=customers").get_data().decode("utf-8-sig")
    assert data.startswith("نام,فون,")


@pytest.mark.parametrize("query, field, message", [
    ("what=invoices&date_from=21/11/2026", "date_from", "Enter a date like 2026-11-21."),
    ("what=invoices&date_from=2026-11-21&date_to=2026-11-01", "date_to", "The end of the period is before its start."),
])
def test_a_bad_period_answers_422_with_the_message_by_the_field_and_the_input_kept(browser, query, field, message):
    response = browser(Role.OWNER).get(f"/data/export/download?{query}")
    assert response.status_code == 422 and response.mimetype == "text/html"
    page = _text(response)
    assert _error_for(page, field) == message
    assert 'aria-invalid="true"' in page
    typed = dict(part.split("=") for part in query.split("&"))[field]
    assert f'value="{typed}"' in page


def test_a_missing_choice_of_export_says_so(browser):
    response = browser(Role.OWNER).get("/data/export/download?what=everything")
    assert response.status_code == 422 and "Choose what to export." in _text(response)


# --- Import -----------------------------------------------------------------------------------------------

def _upload(client, content: bytes, name: str = "khata.csv"):
    return client.post("/data/import", data={"file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data")


KHATA = ("\ufeffName,Phone,Opening balance\r\n"
         "Ahmed Raza,0300 2345678,1500\r\n"
         "Twin,0321-4567890,\r\n"
         ",0300 1112233,20\r\n"
         "زینب علی,0345 9876543,-250\r\n").encode()


def test_upload_preview_confirm_and_the_rows_to_fix(db, browser, team):
    client = browser(Role.MANAGER)
    before = _count(db, Customer)
    uploaded = _upload(client, KHATA)
    assert uploaded.status_code == 303
    preview_path = uploaded.headers["Location"]
    token = re.search(r"token=([\w-]+)", preview_path).group(1)
    page = _text(client.get(preview_path))
    assert _count(db, Customer) == before  # nothing saved by the upload, nor by looking at the preview
    assert "2 customers will be added." in page and "2 rows have problems and will be skipped." in page
    assert "فاطمہ بی بی already has this phone number in the shop." in page
    assert "Enter the customer&#39;s name." in page
    assert "Nothing has been saved yet." in page
    # The preview survives a change of language: the toggle comes back to the same URL.
    client.post("/language", data={"locale": "ur", "next": preview_path})
    assert token in _text(client.get(preview_path))
    client.post("/language", data={"locale": "en", "next": preview_path})

    problems = client.get(f"/data/import/problems?token={token}")
    assert problems.status_code == 200 and problems.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(problems.get_data().decode("utf-8-sig"))))
    assert rows[0] == ["Name", "Phone", "Opening balance", "Row", "Problems"] and len(rows) == 3

    confirmed = client.post("/data/import/confirm", data={"token": token})
    assert confirmed.status_code == 303 and token in confirmed.headers["Location"]
    done = _text(client.get(confirmed.headers["Location"]))
    assert "Import finished" in done and "2 customers were added." in done
    names = set(db.session.scalars(sa.select(Customer.name).where(Customer.shop_id == team.shop.id)))
    assert names == {"فاطمہ بی بی", "Ahmed Raza", "زینب علی"}
    again = client.post("/data/import/confirm", data={"token": token})  # the back button, a double tap
    assert again.status_code == 303 and _count(db, Customer) == before + 2


@pytest.mark.parametrize("content, name, message", [
    (None, None, "Choose the CSV file to import."),
    (b"PK\x03\x04workbook", "khata.xlsx", "This is an Excel workbook, not a CSV file."),
    (b"Phone\r\n0300 1234567\r\n", "phones.csv", "The first row must name the columns"),
])
def test_a_bad_upload_answers_422_with_the_message_by_the_file_field(db, browser, content, name, message):
    client = browser(Role.OWNER)
    before = _count(db, Customer)
    if content is None:
        response = client.post("/data/import", data={}, content_type="multipart/form-data")
    else:
        response = _upload(client, content, name)
    assert response.status_code == 422
    assert _error_for(_text(response), "file").startswith(message)
    assert _count(db, Customer) == before


def test_a_file_past_the_import_limit_is_refused_by_the_field(app, db, browser, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_MAX_BYTES", 50)
    response = _upload(browser(Role.OWNER), b"Name\r\n" + b"Ahmed Raza\r\n" * 20)
    assert response.status_code == 422 and "too large" in _error_for(_text(response), "file")


def test_an_unknown_or_someone_elses_preview_is_not_imported(app, db, browser, team, login):
    owner = browser(Role.OWNER)
    token = re.search(r"token=([\w-]+)", _upload(owner, KHATA).headers["Location"]).group(1)
    client = app.test_client()
    login(client, team.manager.email)  # another member of the shop: not their preview
    before = _count(db, Customer)
    for bad in (token, "x" * 32, "../../secret_key"):
        response = client.post("/data/import/confirm", data={"token": bad})
        assert response.status_code == 422 and "has expired or was already imported" in _text(response)
    assert "has expired" in _text(client.get(f"/data/import?token={token}"))
    assert client.get(f"/data/import/problems?token={token}").status_code == 303
    assert _count(db, Customer) == before


def test_the_empty_sheet_has_the_columns(browser):
    response = browser(Role.OWNER).get("/data/import/template")
    assert response.get_data().decode("utf-8-sig").strip() == "Name,Phone,Email,Address,Notes,Opening balance"


# --- Backups ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", [Role.MANAGER, Role.STAFF, Role.VIEWER])
def test_only_the_owner_manages_backups(browser, role):
    client = browser(role)
    assert client.get("/data/backups").status_code == 403
    assert client.post("/data/backups").status_code == 403
    assert client.post("/data/restore", data={}).status_code == 403


def test_the_owner_makes_downloads_and_restores_a_backup_into_a_new_shop(db, browser, team):
    client = browser(Role.OWNER)
    made = client.post("/data/backups")
    assert made.status_code == 303 and made.headers["Location"] == "/data/backups"
    page = _text(client.get(made.headers["Location"]))
    assert "Making a backup." in page  # huey runs at once in the tests: it is in the list already
    name = re.search(r'/data/backups/(manual-[\d-]+\.zip)"', page).group(1)
    assert 'hx-trigger="every 3s"' not in page
    download = client.get(f"/data/backups/{name}")
    assert download.status_code == 200 and download.mimetype == "application/zip"
    assert download.headers["Content-Disposition"].startswith("attachment")
    data = download.get_data()
    download.close()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert "manifest.json" in archive.namelist()
    shops_before = _count(db, Shop)
    restored = client.post("/data/restore", data={"archive": (io.BytesIO(data), "backup.zip"),
                                                   "name": "Noor Tailors (copy)"},
                           content_type="multipart/form-data")
    assert restored.status_code == 303 and restored.headers["Location"] == "/shops"
    assert _count(db, Shop) == shops_before + 1
    new = db.session.scalar(sa.select(Shop).where(Shop.name == "Noor Tailors (copy)"))
    assert db.session.scalar(sa.select(Customer.name).where(Customer.shop_id == new.id)) == "فاطمہ بی بی"
    listing = _text(client.get("/shops"))
    assert "Noor Tailors (copy)" in listing and "restored into a new shop" in listing
    # Still working in the shop restored from.
    assert "Noor Tailors (copy)" not in _text(client.get("/data/backups")).split("<main")[0]


def test_a_bad_backup_file_answers_422_by_the_field_and_restores_nothing(app, db, browser, team):
    client = browser(Role.OWNER)
    counts = {model: _count(db, model) for model in (Shop, Customer)}
    response = client.post("/data/restore", data={"archive": (io.BytesIO(b"not a zip"), "backup.zip")},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert _error_for(_text(response), "archive") == "This file is not a ShopLedger backup: it is not a zip archive."
    missing = client.post("/data/restore", data={}, content_type="multipart/form-data")
    assert missing.status_code == 422 and _error_for(_text(missing), "archive") == "Choose a backup file (.zip)."
    assert {model: _count(db, model) for model in counts} == counts


def test_a_backup_past_the_size_limit_is_refused_by_the_field(app, db, browser, monkeypatch):
    monkeypatch.setitem(app.config, "BACKUP_MAX_BYTES", 1000)
    response = browser(Role.OWNER).post("/data/restore", data={"archive": (io.BytesIO(b"x" * 5000), "big.zip")},
                                        content_type="multipart/form-data")
    assert response.status_code == 422 and "larger than a backup may be" in _error_for(_text(response), "archive")


def test_a_restore_without_the_forms_token_is_refused(db, browser):
    client = browser(Role.OWNER)
    response = client.post("/data/restore", csrf=False, data={"archive": (io.BytesIO(b"x"), "b.zip")},
                           content_type="multipart/form-data")
    assert response.status_code == 400 and "expired" in _text(response)


def test_another_shops_backup_is_not_found(db, browser, make_team):
    other = make_team("Beta Repairs")
    theirs = backup.store_backup(other.shop, kind="manual").name
    client = browser(Role.OWNER)
    assert client.get(f"/data/backups/{theirs}").status_code == 404
    assert client.get("/data/backups/..%2F..%2Fsecret_key").status_code == 404


def test_while_a_backup_is_being_made_the_list_asks_for_itself_until_it_is_there(db, browser, team):
    client = browser(Role.OWNER)
    backup.mark_pending(team.shop)
    waiting = client.get("/data/backups", headers={"HX-Request": "true"})
    fragment = _text(waiting)
    assert fragment.lstrip().startswith("<section") and 'id="backups"' in fragment and "<main" not in fragment
    assert 'hx-trigger="every 3s"' in fragment and "A backup is being made." in fragment
    backup.clear_pending(team.shop)
    done = _text(client.get("/data/backups", headers={"HX-Request": "true"}))
    assert 'hx-trigger="every 3s"' not in done
