"""Jobs: taking an order, moving it through the workshop, and the board of what is due."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import STATUS_ORDER, Customer, Job, JobStatus, JobStatusChange, MeasurementTemplate, Shop, User
from . import audit, measurements
from . import customers as customer_service
from .errors import DomainError

EDITABLE_FIELDS = ("title", "description", "due_date", "due_time", "quoted_minor", "notes")

JOB_STATUS_LABELS = {
    JobStatus.IN_PROGRESS: _l("In progress"),
    JobStatus.COMPLETED: _l("Completed"),
    JobStatus.DELIVERED: _l("Delivered"),
}
# The one-tap button that moves a job on to this status.
MOVE_LABELS = {
    JobStatus.COMPLETED: _l("Mark completed"),
    JobStatus.DELIVERED: _l("Mark delivered"),
}

BOARD_GROUPS = ("overdue", "today", "tomorrow", "this_week", "later", "no_date", "done")
BOARD_GROUP_LABELS = {
    "overdue": _l("Overdue"),
    "today": _l("Due today"),
    "tomorrow": _l("Tomorrow"),
    "this_week": _l("This week"),
    "later": _l("Later"),
    "no_date": _l("No due date"),
    "done": _l("Done"),
}
# Delivered work leaves the board this long after it was handed over; it stays on the customer's page.
DELIVERED_ON_BOARD = timedelta(days=7)


def _clean(values: dict) -> dict:
    cleaned = dict(values)
    if "title" in cleaned:
        title = " ".join((cleaned["title"] or "").split())
        if not title:
            raise DomainError(_("Say what the job is, like 'Two shirts'."), field="title")
        cleaned["title"] = title[:120]
    for text_field in ("description", "notes"):
        if text_field in cleaned:
            cleaned[text_field] = (cleaned[text_field] or "").strip()
    if cleaned.get("due_time") is not None and cleaned.get("due_date") is None:
        raise DomainError(_("Choose a due date for the time."), field="due_date")
    quoted = cleaned.get("quoted_minor")
    if quoted is not None and quoted < 0:
        raise DomainError(_("The price cannot be negative."), field="quoted")
    return cleaned


def _check_template(shop: Shop, template: MeasurementTemplate | None) -> None:
    if template is not None and template.shop_id != shop.id:
        raise ValueError("the measurement template is not the shop's")


def create_job(shop: Shop, customer: Customer, *, by: User, title: str, description: str = "",
               due_date: date | None = None, due_time: time | None = None, quoted_minor: int | None = None,
               notes: str = "", template: MeasurementTemplate | None = None,
               measurement_values: dict | None = None) -> Job:
    """Take a new order for a customer, In Progress, with the measurements it was made with."""
    if customer.shop_id != shop.id:
        raise ValueError("the customer is not the shop's")
    _check_template(shop, template)
    cleaned = _clean(dict(title=title, description=description, due_date=due_date, due_time=due_time,
                          quoted_minor=quoted_minor, notes=notes))
    job = Job(shop_id=shop.id, customer_id=customer.id, created_by_id=by.id, status=JobStatus.IN_PROGRESS,
              measurements={}, **cleaned)
    if template is not None:
        job.measurement_template_id = template.id
        job.measurements = measurements.snapshot(template, measurement_values or {})
        measurements.remember(shop, customer, template, measurement_values or {})
    job.customer = customer
    db.session.add(job)
    db.session.flush()
    db.session.add(JobStatusChange(shop_id=shop.id, job_id=job.id, from_status=None,
                                   to_status=JobStatus.IN_PROGRESS, user_id=by.id))
    audit.record(shop, "job.created", by=by, subject_type="job", subject_id=job.id,
                 customer_id=customer.id, quoted_minor=job.quoted_minor)
    customer_service.touch(customer)
    return job


def update_job(shop: Shop, job: Job, *, by: User, template: MeasurementTemplate | None = None,
               measurement_values: dict | None = None, remove_measurements: bool = False, **values) -> list[str]:
    """Change a job's details; return the names of what changed.

    Measurements: the job's own template keeps the fields the job was measured with; another template
    takes a fresh snapshot. Either way the customer's latest values follow. No template leaves the
    measurements alone, unless `remove_measurements`.
    """
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"not a job field: {sorted(unknown)}")
    _check_template(shop, template)
    cleaned = _clean({"due_date": job.due_date, "due_time": job.due_time, **values})
    changed = [name for name in EDITABLE_FIELDS if name in values and getattr(job, name) != cleaned[name]]
    if template is not None:
        if job.measurement_template_id == template.id and (job.measurements or {}).get("fields"):
            taken = measurements.resnapshot(job, measurement_values or {})
        else:
            taken = measurements.snapshot(template, measurement_values or {})
        measurements.remember(shop, job.customer, template, measurement_values or {})
        if taken != job.measurements or job.measurement_template_id != template.id:
            changed.append("measurements")
        job.measurement_template_id, job.measurements = template.id, taken
    elif remove_measurements and (job.measurements or job.measurement_template_id):
        job.measurement_template_id, job.measurements = None, {}
        changed.append("measurements")
    for name, value in cleaned.items():
        setattr(job, name, value)
    if changed:
        details = {"fields": changed}
        if "quoted_minor" in changed:
            details["quoted_minor"] = job.quoted_minor
        audit.record(shop, "job.updated", by=by, subject_type="job", subject_id=job.id, **details)
    return changed


def earlier_statuses(job: Job) -> list[JobStatus]:
    """The statuses a job can be moved back to (with a reason), nearest first."""
    return list(reversed(STATUS_ORDER[:STATUS_ORDER.index(job.status)]))


def move(shop: Shop, job: Job, *, to: JobStatus, by: User, reason: str = "") -> JobStatusChange:
    """Move a job one step forward, or back with a reason; record who did it and when."""
    if job.shop_id != shop.id:
        raise ValueError("the job is not the shop's")
    if to == job.status:
        raise DomainError(_("The job is already %(status)s.", status=JOB_STATUS_LABELS[to]), field="to")
    current, target = STATUS_ORDER.index(job.status), STATUS_ORDER.index(to)
    reason = " ".join((reason or "").split())
    if target > current + 1:
        raise DomainError(_("Move the job one step at a time."), field="to")
    if target < current and not reason:
        raise DomainError(_("Say why the job goes back, for the record."), field="reason")
    change = JobStatusChange(shop_id=shop.id, job_id=job.id, from_status=job.status, to_status=to,
                             reason=reason[:500] if target < current else "", user_id=by.id)
    db.session.add(change)
    audit.record(shop, "job.moved", by=by, subject_type="job", subject_id=job.id,
                 from_status=job.status.value, to_status=to.value, reason=change.reason)
    job.status = to
    customer_service.touch(job.customer)
    db.session.flush()
    return change


def history(shop: Shop, job: Job) -> list[JobStatusChange]:
    """Every status change of the job, newest first, with who made it."""
    return list(db.session.scalars(
        sa.select(JobStatusChange).options(joinedload(JobStatusChange.user))
        .where(JobStatusChange.shop_id == shop.id, JobStatusChange.job_id == job.id)
        .order_by(JobStatusChange.created_at.desc(), JobStatusChange.id.desc())
    ))


@dataclass
class Board:
    groups: dict[str, list[Job]] = field(default_factory=lambda: {name: [] for name in BOARD_GROUPS})

    @property
    def count(self) -> int:
        return sum(len(jobs) for jobs in self.groups.values())


def board_group(job: Job, today: date) -> str:
    """Where a job sits on the board, seen from the shop's today."""
    if job.status != JobStatus.IN_PROGRESS:
        return "done"
    if job.due_date is None:
        return "no_date"
    if job.due_date < today:
        return "overdue"
    if job.due_date == today:
        return "today"
    if job.due_date == today + timedelta(days=1):
        return "tomorrow"
    if job.due_date <= today + timedelta(days=7):
        return "this_week"
    return "later"


def _start_of(shop: Shop, day: date) -> datetime:
    """The moment the shop's day begins, as an aware datetime."""
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(shop.timezone))


def board(shop: Shop, *, today: date, status: JobStatus | None = None, customer_id: int | None = None,
          limit: int = 500) -> Board:
    """The job board: open work by when it is due; finished work last, newest first."""
    statement = (
        sa.select(Job)
        .options(joinedload(Job.customer))
        .where(Job.shop_id == shop.id)
    )
    if status is not None:
        statement = statement.where(Job.status == status)
    else:
        statement = statement.where(sa.or_(Job.status != JobStatus.DELIVERED,
                                           Job.updated_at >= _start_of(shop, today) - DELIVERED_ON_BOARD))
    if customer_id is not None:
        statement = statement.where(Job.customer_id == customer_id)
    statement = statement.order_by(Job.due_date.is_(None), Job.due_date, Job.due_time.is_(None), Job.due_time,
                                   Job.id).limit(limit)
    result = Board()
    for job in db.session.scalars(statement):
        result.groups[board_group(job, today)].append(job)
    # Ready for pickup before handed over; within each, the latest first.
    result.groups["done"].sort(key=lambda job: (job.status != JobStatus.COMPLETED, -job.updated_at.timestamp()))
    return result


def due_today_count(shop: Shop, *, today: date) -> int:
    """How many open jobs are due today: the badge on the bottom bar."""
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Job).where(
            Job.shop_id == shop.id, Job.status == JobStatus.IN_PROGRESS, Job.due_date == today
        )
    )


def jobs_of(shop: Shop, customer: Customer, *, limit: int | None = None) -> list[Job]:
    """The jobs of one customer, newest first: all of them, or the newest `limit`."""
    return list(db.session.scalars(
        sa.select(Job).where(Job.shop_id == shop.id, Job.customer_id == customer.id)
        .order_by(Job.created_at.desc(), Job.id.desc()).limit(limit)
    ))


def customer_choices(shop: Shop) -> list[tuple[int, str]]:
    """The shop's active customers as (id, name), by name: who a new job can be for."""
    return [(row.id, row.name) for row in db.session.execute(
        sa.select(Customer.id, Customer.name)
        .where(Customer.shop_id == shop.id, Customer.archived_at.is_(None))
        .order_by(Customer.name_folded, Customer.id)
    )]


def customers_with_jobs(shop: Shop) -> list[tuple[int, str]]:
    """Customers who have jobs, as (id, name), by name: the board's customer filter."""
    with_jobs = sa.select(Job.customer_id).where(Job.shop_id == shop.id).distinct()
    return [(row.id, row.name) for row in db.session.execute(
        sa.select(Customer.id, Customer.name)
        .where(Customer.shop_id == shop.id, Customer.id.in_(with_jobs))
        .order_by(Customer.name_folded, Customer.id)
    )]

