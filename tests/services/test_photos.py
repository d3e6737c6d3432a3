"""Job photos: pictures by content, upright, without location, small, under random names, gone when deleted."""
import io
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import ExifTags, Image

from shopledger.models import JobPhoto
from shopledger.services import customers, images, jobs, photos
from shopledger.services.errors import DomainError

RANDOM_NAME = re.compile(r"^[0-9a-f]{32}\.jpg$")


def jpeg(size=(40, 20), *, orientation: int | None = None, gps: bool = False, halves=("red", "blue")) -> bytes:
    """A JPEG whose left half and right half differ, with the EXIF a phone camera writes."""
    image = Image.new("RGB", size, halves[0])
    image.paste(Image.new("RGB", (size[0] // 2, size[1]), halves[1]), (size[0] // 2, 0))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneCo"
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    if gps:
        location = exif.get_ifd(ExifTags.IFD.GPSInfo)
        location.update({ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (24.0, 51.0, 36.0),
                         ExifTags.GPS.GPSLongitudeRef: "E", ExifTags.GPS.GPSLongitude: (67.0, 0.0, 36.0)})
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif, quality=95)
    return buffer.getvalue()


@pytest.fixture
def team(make_team):
    return make_team("Noor Tailors")


@pytest.fixture
def job(db, team):
    customer = customers.create_customer(team.shop, by=team.owner, name="Ali Raza")
    made = jobs.create_job(team.shop, customer, by=team.owner, title="Wedding sherwani")
    db.session.commit()
    return made


def files_in(folder: Path) -> set[str]:
    return {path.name for path in folder.iterdir()} if folder.exists() else set()


def near(colour, expected, tolerance=40):
    return all(abs(a - b) <= tolerance for a, b in zip(colour, expected))


@pytest.mark.parametrize("name, data", [
    ("photo.jpg", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n"),
    ("IMG_0001.JPG", b"<html><script>alert(1)</script></html>"),
    ("camera.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40),  # a PNG signature and nothing behind it
    ("empty.jpg", b""),
])
def test_a_file_that_is_not_a_picture_is_refused_whatever_its_name(db, team, job, name, data):
    folder = photos.photo_folder(team.shop)
    before = files_in(folder)
    added, refused = photos.add_photos(team.shop, job, [(name, data)], by=team.owner)
    assert added == [] and [r.filename for r in refused] == [name]
    assert "not a picture" in refused[0].message
    assert files_in(folder) == before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(JobPhoto)) == 0


def test_a_picture_renamed_to_anything_is_still_a_picture(db, team, job):
    added, refused = photos.add_photos(team.shop, job, [("notes.txt", jpeg())], by=team.owner)
    assert len(added) == 1 and refused == []


def test_an_oversized_picture_is_refused(app, db, team, job, monkeypatch):
    data = jpeg((400, 400))
    monkeypatch.setitem(app.config, "PHOTO_MAX_BYTES", len(data) - 1)
    with pytest.raises(DomainError) as refused:
        photos.add_photo(team.shop, job, data, by=team.owner)
    assert refused.value.field == "photos" and "too large" in refused.value.message
    monkeypatch.setitem(app.config, "PHOTO_MAX_BYTES", len(data))
    assert photos.add_photo(team.shop, job, data, by=team.owner).byte_size > 0


def test_the_location_and_other_exif_are_gone_after_upload(db, team, job):
    original = jpeg(gps=True)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    photo = photos.add_photo(team.shop, job, original, by=team.owner)
    for path in (photos.photo_path(team.shop, photo), photos.photo_path(team.shop, photo, thumbnail=True)):
        stored = path.read_bytes()
        with Image.open(path) as image:
            assert not image.getexif() and "exif" not in image.info
        assert b"Exif" not in stored and b"PhoneCo" not in stored


def test_the_exif_orientation_is_applied(db, team, job):
    # Orientation 6: the camera held upright stored the picture turned; shown, the left half is on top.
    photo = photos.add_photo(team.shop, job, jpeg((40, 20), orientation=6), by=team.owner)
    assert (photo.width, photo.height) == (20, 40)
    with Image.open(photos.photo_path(team.shop, photo)) as image:
        assert image.size == (20, 40)
        assert near(image.getpixel((10, 5)), (255, 0, 0)) and near(image.getpixel((10, 35)), (0, 0, 255))


def test_a_large_photo_is_resized_and_gets_a_thumbnail(db, team, job):
    photo = photos.add_photo(team.shop, job, jpeg((3200, 2400)), by=team.owner)
    assert (photo.width, photo.height) == (photos.PHOTO_MAX_EDGE, 1200)
    with Image.open(photos.photo_path(team.shop, photo, thumbnail=True)) as thumbnail:
        assert thumbnail.format == "JPEG" and thumbnail.size == (photos.THUMBNAIL_EDGE, 240)
    assert photo.byte_size == photos.photo_path(team.shop, photo).stat().st_size


def test_photos_are_kept_under_the_instance_folder_with_random_names(app, db, team, job):
    first = photos.add_photo(team.shop, job, jpeg(), by=team.owner)
    second = photos.add_photo(team.shop, job, jpeg(), by=team.owner)
    names = [first.filename, first.thumbnail_filename, second.filename, second.thumbnail_filename]
    assert all(RANDOM_NAME.match(name) for name in names) and len(set(names)) == 4
    instance = Path(app.instance_path).resolve()
    for photo in (first, second):
        path = photos.photo_path(team.shop, photo).resolve()
        assert path.is_file() and instance in path.parents
        assert path.parent.name == str(team.shop.id)


def test_several_uploads_keep_the_pictures_and_name_the_rest(db, team, job):
    added, refused = photos.add_photos(
        team.shop, job, [("a.jpg", jpeg()), ("b.pdf", b"%PDF-1.4"), ("c.jpg", jpeg(halves=("green", "white")))],
        by=team.owner)
    assert len(added) == 2 and [r.filename for r in refused] == ["b.pdf"]
    assert [p.id for p in photos.photos_of(team.shop, job)] == [p.id for p in added]


def test_a_job_holds_a_limited_number_of_photos(db, team, job, monkeypatch):
    monkeypatch.setattr(photos, "MAX_PHOTOS_PER_JOB", 2)
    photos.add_photo(team.shop, job, jpeg(), by=team.owner)
    photos.add_photo(team.shop, job, jpeg(), by=team.owner)
    with pytest.raises(DomainError) as refused:
        photos.add_photo(team.shop, job, jpeg(), by=team.owner)
    assert "at most 2 photos" in refused.value.message


def test_deleting_a_photo_removes_its_files_and_row(db, team, job):
    photo = photos.add_photo(team.shop, job, jpeg(), by=team.owner)
    db.session.commit()
    paths = [photos.photo_path(team.shop, photo), photos.photo_path(team.shop, photo, thumbnail=True)]
    assert all(path.exists() for path in paths)
    files = photos.delete_photo(team.shop, photo, by=team.owner)
    assert all(path.exists() for path in paths)  # kept until the deletion is committed
    db.session.commit()
    images.remove_files(files)
    assert sorted(files) == sorted(paths) and not any(path.exists() for path in paths)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(JobPhoto)) == 0


def test_discarded_uploads_leave_no_files(db, team, job):
    photo = photos.add_photo(team.shop, job, jpeg(), by=team.owner)
    paths = [photos.photo_path(team.shop, photo), photos.photo_path(team.shop, photo, thumbnail=True)]
    db.session.rollback()
    photos.discard_files(team.shop, [photo])
    assert not any(path.exists() for path in paths)


def test_a_photo_of_another_shop_cannot_be_deleted_through_this_one(db, two_shops):
    a, b = two_shops
    theirs = jobs.create_job(b.shop, customers.create_customer(b.shop, by=b.owner, name="X"), by=b.owner, title="T")
    photo = photos.add_photo(b.shop, theirs, jpeg(), by=b.owner)
    with pytest.raises(ValueError):
        photos.delete_photo(a.shop, photo, by=a.owner)
    with pytest.raises(ValueError):
        photos.add_photo(a.shop, theirs, jpeg(), by=a.owner)
