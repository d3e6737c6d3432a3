"""Notes on a job as the work goes: written once each, even when a phone sends one twice."""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Job, JobNote, Shop, User
from . import audit
from .errors import DomainError

MAX_LENGTH = 2000


def find_by_key(shop: Shop, key: str) -> JobNote | None:
    return db.session.scalar(sa.select(JobNote).where(JobNote.shop_id == shop.id, JobNote.idempotency_key == key))


def add(shop: Shop, job: Job, *, by: User, body: str, idempotency_key: str | None = None) -> tuple[JobNote, bool]:
    """Write a note on a job. With a key already used, the note written then is returned (the second value says
    whether this call wrote it)."""
    if job.shop_id != shop.id:
        raise ValueError("the job is not the shop's")
    key = (idempotency_key or "").strip()[:64] or None
    if key is not None:
        existing = find_by_key(shop, key)
        if existing is not None:
            return existing, False
    body = (body or "").strip()
    if not body:
        raise DomainError(_("Write the note first."), field="body")
    if len(body) > MAX_LENGTH:
        raise DomainError(_("Use at most %(max)d characters.", max=MAX_LENGTH), field="body")
    note = JobNote(shop_id=shop.id, job_id=job.id, body=body, idempotency_key=key, created_by_id=by.id)
    db.session.add(note)
    db.session.flush()
    audit.record(shop, "job.note_added", by=by, subject_type="job", subject_id=job.id, note_id=note.id)
    return note, True


def for_job(shop: Shop, job: Job) -> list[JobNote]:
    """The job's notes, newest first, with their authors."""
    return list(db.session.scalars(
        sa.select(JobNote).options(joinedload(JobNote.author))
        .where(JobNote.shop_id == shop.id, JobNote.job_id == job.id)
        .order_by(JobNote.created_at.desc(), JobNote.id.desc())
    ))
