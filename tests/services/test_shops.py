"""Shop settings and logo: validated, normalised, audited; logos re-encoded without metadata."""
import io

import pytest
from PIL import Image

from shopledger.models import AuditEvent
from shopledger.services import images, shops
from shopledger.services.errors import DomainError


def jpeg_with_gps_and_rotation() -> bytes:
    image = Image.new("RGB", (40, 20), "red")
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: the camera was turned; the picture must be rotated 90°
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (24.0, 51.0, 36.0)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def test_settings_are_normalised_and_each_change_audited(db, make_shop):
    shop = make_shop()
    owner = shop.memberships[0].user
    changed = shops.update_settings(shop, by=owner, phone="0300-1234567", invoice_prefix=" nt ",
                                    currency="INR", timezone="Asia/Kolkata", country="PK", name="Noor")
    db.session.commit()
    assert shop.phone == "+923001234567"
    assert shop.invoice_prefix == "NT"
    assert changed == ["currency", "invoice_prefix", "name", "phone", "timezone"]
    event = db.session.query(AuditEvent).filter_by(action="shop.settings_changed").one()
    assert event.user_id == owner.id
    assert event.details["changes"]["currency"] == {"from": "PKR", "to": "INR"}


@pytest.mark.parametrize(
    "values, field",
    [
        ({"name": "   "}, "name"),
        ({"phone": "12"}, "phone"),
        ({"currency": "XYZ"}, "currency"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"default_locale": "fr"}, "default_locale"),
        ({"invoice_prefix": "IN V"}, "invoice_prefix"),
        ({"invoice_prefix": "بل"}, "invoice_prefix"),
        ({"country": "ZZ"}, "country"),
    ],
)
def test_bad_settings_are_refused_next_to_their_field_and_nothing_changes(db, make_shop, values, field):
    shop = make_shop(name="Before")
    with pytest.raises(DomainError) as refused:
        shops.update_settings(shop, by=shop.memberships[0].user, **values)
    assert refused.value.field == field
    db.session.rollback()
    assert shop.name == "Before" and shop.currency == "PKR"


def test_a_phone_is_read_with_the_shops_country(db, make_shop):
    shop = make_shop()
    shops.update_settings(shop, by=shop.memberships[0].user, country="IN", phone="098765 43210")
    assert shop.phone == "+919876543210"


def test_a_logo_is_turned_upright_shrunk_and_stripped_of_its_location(db, make_shop, app):
    shop = make_shop()
    shops.set_logo(shop, jpeg_with_gps_and_rotation(), by=shop.memberships[0].user)
    db.session.commit()
    path = shops.logo_path(shop)
    assert path.parent == shops.logo_folder() and len(path.stem) == 32
    with Image.open(path) as stored:
        assert stored.format == "PNG"
        assert stored.size == (20, 40)  # rotated upright
        assert not stored.getexif()
        assert "exif" not in stored.info


def test_a_file_that_is_not_an_image_is_refused_whatever_its_name(db, make_shop):
    shop = make_shop()
    with pytest.raises(DomainError) as refused:
        shops.set_logo(shop, b"%PDF-1.4 definitely not a picture", by=shop.memberships[0].user)
    assert refused.value.field == "logo"
    assert shop.logo_filename is None


def test_an_oversized_logo_is_refused(db, make_shop, app):
    shop = make_shop()
    with pytest.raises(DomainError):
        shops.set_logo(shop, b"\x89PNG" + b"0" * app.config["LOGO_MAX_BYTES"], by=shop.memberships[0].user)


def test_a_new_logo_replaces_the_old_file_and_removing_deletes_it(db, make_shop):
    shop = make_shop()
    owner = shop.memberships[0].user
    shops.set_logo(shop, jpeg_with_gps_and_rotation(), by=owner)
    first = shops.logo_path(shop)
    replaced = shops.set_logo(shop, jpeg_with_gps_and_rotation(), by=owner)
    second = shops.logo_path(shop)
    assert replaced == [first] and first.exists()  # kept until the change is committed
    db.session.commit()
    images.remove_files(replaced)
    assert first != second and not first.exists() and second.exists()
    removed = shops.remove_logo(shop, by=owner)
    db.session.commit()
    images.remove_files(removed)
    assert shop.logo_filename is None and not second.exists()
