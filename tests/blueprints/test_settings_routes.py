"""Shop settings and logo through the pages: 422 keeps what was typed, only owners change anything."""
import io

from PIL import Image

from shopledger.models import Shop


def png_bytes(size=(64, 64)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "green").save(buffer, format="PNG")
    return buffer.getvalue()


def test_the_owner_saves_settings_and_sees_them(client, db, make_team, login):
    team = make_team("Noor")
    login(client, team.owner.email)
    response = client.post("/settings", data={
        "name": "Noor Tailors", "phone": "0300 1234567", "address": "Tariq Road", "country": "PK",
        "currency": "PKR", "timezone": "Asia/Karachi", "default_locale": "ur", "invoice_prefix": "nt",
        "payment_instructions": "JazzCash 0300 1234567"})
    assert response.status_code == 303 and response.headers["Location"] == "/settings"
    shop = db.session.get(Shop, team.shop.id)
    assert (shop.name, shop.phone, shop.invoice_prefix, shop.default_locale) == (
        "Noor Tailors", "+923001234567", "NT", "ur")
    assert "Settings saved." in client.get("/settings").get_data(as_text=True)


def test_a_bad_phone_answers_422_next_to_the_phone_and_keeps_everything_typed(client, db, make_team, login):
    team = make_team("Noor")
    login(client, team.owner.email)
    response = client.post("/settings", data={
        "name": "New Name Typed", "phone": "12345", "address": "Somewhere typed", "country": "PK",
        "currency": "PKR", "timezone": "Asia/Karachi", "default_locale": "en", "invoice_prefix": "INV",
        "payment_instructions": "typed instructions"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="phone-error"' in page and "valid phone number" in page
    assert 'value="New Name Typed"' in page and "Somewhere typed" in page and "typed instructions" in page
    assert db.session.get(Shop, team.shop.id).name == "Noor"  # nothing saved


def test_an_empty_prefix_and_unknown_choices_are_refused(client, make_team, login):
    login(client, make_team("Noor").owner.email)
    response = client.post("/settings", data={
        "name": "Noor", "country": "PK", "currency": "PKR", "timezone": "Nowhere/Land",
        "default_locale": "en", "invoice_prefix": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="invoice_prefix-error"' in page


def test_a_logo_upload_is_served_to_members_only(app, client, db, make_team, login):
    team = make_team("Noor")
    login(client, team.owner.email)
    response = client.post("/settings/logo", data={"logo": (io.BytesIO(png_bytes()), "logo.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 303
    served = client.get("/settings/logo")
    assert served.status_code == 200 and served.mimetype == "image/png"
    assert served.get_data().startswith(b"\x89PNG")
    assert "private" in served.headers["Cache-Control"]
    served.close()
    assert app.test_client().get("/settings/logo").status_code == 302  # anonymous: to the login page


def test_a_renamed_pdf_is_refused_as_a_logo(client, db, make_team, login):
    team = make_team("Noor")
    login(client, team.owner.email)
    response = client.post("/settings/logo", data={"logo": (io.BytesIO(b"%PDF-1.7 not an image"), "photo.jpg")},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert "not a picture" in response.get_data(as_text=True)
    assert db.session.get(Shop, team.shop.id).logo_filename is None


def test_an_upload_over_the_request_limit_gets_413_not_500(app, client, make_team, login):
    login(client, make_team("Noor").owner.email)
    # The declared length is enough: the body is refused before it is read.
    response = client.post("/settings/logo", data={"logo": (io.BytesIO(b"small"), "big.png")},
                           content_type="multipart/form-data",
                           environ_overrides={"CONTENT_LENGTH": str(app.config["MAX_CONTENT_LENGTH"] + 1)})
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)


def test_only_the_owner_may_change_settings(client, db, make_team, login):
    team = make_team("Noor")
    for member in (team.manager, team.staff, team.viewer):
        login(client, member.email)
        assert client.get("/settings").status_code == 403
        assert client.post("/settings", data={"name": "Hijacked", "invoice_prefix": "X"}).status_code == 403
        client.post("/logout")
    assert db.session.get(Shop, team.shop.id).name == "Noor"
