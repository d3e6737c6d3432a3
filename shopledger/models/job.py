"""Jobs (work orders), their measurements, photos and status history."""
from __future__ import annotations

import enum
from datetime import date, datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .customer import Customer
from .types import UTCDateTime, enum_column, utcnow


class JobStatus(enum.Enum):
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    DELIVERED = "delivered"


# The workshop's order of things; a job moves one step forward, or back with a reason.
STATUS_ORDER = (JobStatus.IN_PROGRESS, JobStatus.COMPLETED, JobStatus.DELIVERED)


class MeasurementTemplate(db.Model):
    """What a shop measures for one kind of garment or job, e.g. Shirt: chest, waist, length."""

    __tablename__ = "measurement_templates"
    __table_args__ = (sa.UniqueConstraint("shop_id", "name", name="uq_measurement_templates_shop_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(sa.ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(60))
    # [{"key": "chest", "label": "Chest", "unit": "in"}, ...] in the order they are measured.
    fields: Mapped[list] = mapped_column(sa.JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CustomerMeasurement(db.Model):
    """A customer's latest values for one template, so a repeat order starts filled in."""

    __tablename__ = "customer_measurements"
    __table_args__ = (
        sa.UniqueConstraint("customer_id", "template_id", name="uq_customer_measurements_customer_template"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(sa.ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id", ondelete="CASCADE"))
    template_id: Mapped[int] = mapped_column(sa.ForeignKey("measurement_templates.id", ondelete="CASCADE"))
    values: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Job(db.Model):
    __tablename__ = "jobs"
    __table_args__ = (
        sa.Index("ix_jobs_shop_status_due", "shop_id", "status", "due_date"),
        sa.Index("ix_jobs_shop_customer", "shop_id", "customer_id"),
        # Performance (0004): "does anything refer to this customer?" and deleting one look jobs up by customer.
        sa.Index("ix_jobs_customer_id", "customer_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(sa.ForeignKey("shops.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id", ondelete="RESTRICT"))
    title: Mapped[str] = mapped_column(sa.String(120))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[JobStatus] = mapped_column(enum_column(JobStatus), default=JobStatus.IN_PROGRESS)
    due_date: Mapped[date | None] = mapped_column(sa.Date)
    due_time: Mapped[time | None] = mapped_column(sa.Time)
    quoted_minor: Mapped[int | None] = mapped_column(sa.BigInteger)
    measurement_template_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("measurement_templates.id", ondelete="SET NULL")
    )
    # A snapshot: {"template": "Shirt", "fields": [{"key", "label", "unit", "value"}]}. Editing the
    # template later never changes what an old job was made with.
    measurements: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    customer: Mapped[Customer] = relationship()
    photos: Mapped[list["JobPhoto"]] = relationship(back_populates="job", order_by="JobPhoto.id")
    status_changes: Mapped[list["JobStatusChange"]] = relationship(order_by="JobStatusChange.id")

    @property
    def next_status(self) -> JobStatus | None:
        position = STATUS_ORDER.index(self.status)
        return STATUS_ORDER[position + 1] if position + 1 < len(STATUS_ORDER) else None

    def is_overdue(self, today: date) -> bool:
        return self.status == JobStatus.IN_PROGRESS and self.due_date is not None and self.due_date < today


class JobStatusChange(db.Model):
    """Every move of a job's status: who, when, from what to what, and why when it went back."""

    __tablename__ = "job_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(sa.ForeignKey("shops.id", ondelete="CASCADE"))
    job_id: Mapped[int] = mapped_column(sa.ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[JobStatus | None] = mapped_column(enum_column(JobStatus))
    to_status: Mapped[JobStatus] = mapped_column(enum_column(JobStatus))
    reason: Mapped[str] = mapped_column(sa.String(500), default="")
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped["User | None"] = relationship()  # noqa: F821


class JobPhoto(db.Model):
    __tablename__ = "job_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(sa.ForeignKey("shops.id", ondelete="CASCADE"))
    job_id: Mapped[int] = mapped_column(sa.ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    # Random names under the instance folder: nothing about the upload survives in them.
    filename: Mapped[str] = mapped_column(sa.String(64), unique=True)
    thumbnail_filename: Mapped[str] = mapped_column(sa.String(64), unique=True)
    width: Mapped[int] = mapped_column()
    height: Mapped[int] = mapped_column()
    byte_size: Mapped[int] = mapped_column()
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    job: Mapped[Job] = relationship(back_populates="photos")


class JobNote(db.Model):
    """A note written on a job as the work goes ("customer called: collar one size up"), with who and when.

    The key makes a note sent twice (a retry, a phone syncing what it kept offline) one note.
    """

    __tablename__ = "job_notes"
    __table_args__ = (
        sa.UniqueConstraint("shop_id", "idempotency_key", name="uq_job_notes_shop_idempotency_key"),
        sa.Index("ix_job_notes_job_created", "job_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(sa.ForeignKey("shops.id", ondelete="CASCADE"))
    job_id: Mapped[int] = mapped_column(sa.ForeignKey("jobs.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(sa.Text)
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(64))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped["User | None"] = relationship()  # noqa: F821
