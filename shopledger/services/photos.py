"""Job photos: stored under the instance folder with random names, served only to the shop's members."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from ..extensions import db
from ..models import Job, JobPhoto, Shop, User
from . import audit, images
from .errors import DomainError

PHOTO_MAX_EDGE = 1600
THUMBNAIL_EDGE = 320
MAX_PHOTOS_PER_JOB = 20


@dataclass(frozen=True)
class Refused:
    """An upload that was not kept, and why."""

    filename: str
    message: str


def photo_folder(shop: Shop) -> Path:
    """Return the folder that holds the shop's photos, under the instance folder."""
    return Path(current_app.config["UPLOAD_FOLDER"]) / "photos" / str(shop.id)


def photos_of(shop: Shop, job: Job) -> list[JobPhoto]:
    """The job's photos, oldest first (the order they were taken)."""
    return list(db.session.scalars(
        sa.select(JobPhoto).where(JobPhoto.shop_id == shop.id, JobPhoto.job_id == job.id).order_by(JobPhoto.id)
    ))


def add_photo(shop: Shop, job: Job, data: bytes, *, by: User) -> JobPhoto:
    """Keep a photo of the job: a cleaned full-size copy and a thumbnail."""
    if job.shop_id != shop.id:
        raise ValueError("the job is not the shop's")
    count = db.session.scalar(sa.select(sa.func.count()).select_from(JobPhoto).where(JobPhoto.job_id == job.id))
    if count >= MAX_PHOTOS_PER_JOB:
        raise DomainError(_("A job can have at most %(count)d photos.", count=MAX_PHOTOS_PER_JOB), field="photos")
    image = images.open_upload(data, max_bytes=current_app.config["PHOTO_MAX_BYTES"], field="photos")
    folder = photo_folder(shop)
    filename, (width, height) = images.save_clean(image, folder, max_edge=PHOTO_MAX_EDGE, format="JPEG")
    thumbnail, _size = images.save_clean(image, folder, max_edge=THUMBNAIL_EDGE, format="JPEG")
    try:
        photo = JobPhoto(shop_id=shop.id, job_id=job.id, filename=filename, thumbnail_filename=thumbnail,
                         width=width, height=height, byte_size=(folder / filename).stat().st_size,
                         uploaded_by_id=by.id)
        db.session.add(photo)
        db.session.flush()
    except Exception:
        for name in (filename, thumbnail):
            (folder / name).unlink(missing_ok=True)
        raise
    audit.record(shop, "job.photo_added", by=by, subject_type="job", subject_id=job.id, photo_id=photo.id)
    return photo


def add_photos(shop: Shop, job: Job, uploads: list[tuple[str, bytes]], *, by: User
               ) -> tuple[list[JobPhoto], list[Refused]]:
    """Keep each of several uploads (name, bytes) that is a picture; say why the others were refused."""
    added, refused = [], []
    for filename, data in uploads:
        try:
            added.append(add_photo(shop, job, data, by=by))
        except DomainError as error:
            refused.append(Refused(filename, error.message))
    return added, refused


def discard_files(shop: Shop, photos: list[JobPhoto]) -> None:
    """Remove the files of photos whose rows were rolled back."""
    for photo in photos:
        photo_path(shop, photo).unlink(missing_ok=True)
        photo_path(shop, photo, thumbnail=True).unlink(missing_ok=True)


def photo_path(shop: Shop, photo: JobPhoto, *, thumbnail: bool = False) -> Path:
    """Return where the photo's file (or its thumbnail's) is kept."""
    return photo_folder(shop) / (photo.thumbnail_filename if thumbnail else photo.filename)


def delete_photo(shop: Shop, photo: JobPhoto, *, by: User) -> list[Path]:
    """Delete a photo's row; return its files, for the caller to remove once the deletion is committed.

    Removing them before the commit would leave a row without its picture if the commit failed.
    """
    if photo.shop_id != shop.id:
        raise ValueError("the photo is not the shop's")
    paths = [photo_path(shop, photo), photo_path(shop, photo, thumbnail=True)]
    audit.record(shop, "job.photo_deleted", by=by, subject_type="job", subject_id=photo.job_id, photo_id=photo.id)
    db.session.delete(photo)
    db.session.flush()
    return paths

