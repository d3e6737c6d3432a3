"""Jobs: measurements kept as taken, one step at a time through the workshop, and the board by the shop's day."""
from datetime import date, datetime, time, timedelta, timezone

import pytest
import sqlalchemy as sa

from shopledger.models import AuditEvent, CustomerMeasurement, JobStatus, JobStatusChange
from shopledger.services import clock, customers, jobs, measurements
from shopledger.services.errors import DomainError
from shopledger.services.measurements import MeasurementError

SHIRT = "Chest, in\nWaist, in\nLength, in\nSleeve, in\nCollar, in"


@pytest.fixture
def team(make_team):
    return make_team("Noor Tailors")


def customer_of(db, team, name="Ali Raza"):
    customer = customers.create_customer(team.shop, by=team.owner, name=name)
    db.session.commit()
    return customer


def shirt_template(db, team):
    template = measurements.save_template(team.shop, by=team.owner, name="Shirt", fields_text=SHIRT)
    db.session.commit()
    return template


def set_clock(monkeypatch, moment: datetime):
    monkeypatch.setattr(clock, "now", lambda: moment)


def test_a_new_job_is_in_progress_with_a_snapshot_of_its_measurements(db, team):
    customer, template = customer_of(db, team), shirt_template(db, team)
    before = customer.last_activity_at

    job = jobs.create_job(team.shop, customer, by=team.staff, title="  Two   shirts ", quoted_minor=250000,
                          due_date=date(2026, 3, 12), due_time=time(17, 30), template=template,
                          measurement_values={"chest": "۴۰", "waist": "34½", "length": "29 1/4", "sleeve": ""})
    db.session.commit()

    assert job.status == JobStatus.IN_PROGRESS and job.title == "Two shirts"
    assert job.measurement_template_id == template.id
    assert job.measurements == {"template": "Shirt", "fields": [
        {"key": "chest", "label": "Chest", "unit": "in", "value": "40"},
        {"key": "waist", "label": "Waist", "unit": "in", "value": "34.5"},
        {"key": "length", "label": "Length", "unit": "in", "value": "29.25"},
        {"key": "sleeve", "label": "Sleeve", "unit": "in", "value": ""},
        {"key": "collar", "label": "Collar", "unit": "in", "value": ""},
    ]}
    [created] = db.session.scalars(sa.select(JobStatusChange).where(JobStatusChange.job_id == job.id)).all()
    assert (created.from_status, created.to_status, created.user_id) == (None, JobStatus.IN_PROGRESS, team.staff.id)
    assert customer.last_activity_at > before
    assert db.session.scalar(sa.select(AuditEvent.action).where(
        AuditEvent.subject_type == "job", AuditEvent.subject_id == job.id)) == "job.created"


def test_a_repeat_order_starts_with_the_customers_latest_values(db, team):
    customer, template = customer_of(db, team), shirt_template(db, team)
    jobs.create_job(team.shop, customer, by=team.owner, title="Shirt", template=template,
                    measurement_values={"chest": "40", "waist": "34", "collar": "15.5"})
    jobs.create_job(team.shop, customer, by=team.owner, title="Another shirt", template=template,
                    measurement_values={"chest": "41", "waist": ""})
    db.session.commit()

    assert measurements.latest_values(team.shop, customer, template) == {"chest": "41", "waist": "34", "collar": "15.5"}
    fields = {f["key"]: f for f in measurements.form_fields(team.shop, template, customer=customer)}
    assert (fields["chest"]["value"], fields["chest"]["remembered"]) == ("41", True)
    assert (fields["length"]["value"], fields["length"]["remembered"]) == ("", False)
    stranger = customer_of(db, team, "Someone New")
    assert all(f["value"] == "" for f in measurements.form_fields(team.shop, template, customer=stranger))


def test_changing_the_template_leaves_an_old_jobs_snapshot_alone(db, team):
    customer, template = customer_of(db, team), shirt_template(db, team)
    old = jobs.create_job(team.shop, customer, by=team.owner, title="Shirt", template=template,
                          measurement_values={"chest": "40", "collar": "15"})
    db.session.commit()
    kept = old.measurements

    measurements.save_template(team.shop, by=team.owner, name="Shirt (slim)", template=template,
                               fields_text="Chest, cm\nShoulder, cm\nCollar, in")
    db.session.commit()
    db.session.expire_all()

    assert old.measurements == kept
    assert [f["label"] for f in old.measurements["fields"]] == ["Chest", "Waist", "Length", "Sleeve", "Collar"]
    # Editing the old job shows and keeps the fields it was measured with.
    shown = measurements.form_fields(team.shop, template, customer=customer, job=old)
    assert [(f["label"], f["value"]) for f in shown][:1] == [("Chest", "40")]
    jobs.update_job(team.shop, old, by=team.owner, template=template, measurement_values={"chest": "40.5"})
    db.session.commit()
    assert [f["label"] for f in old.measurements["fields"]] == ["Chest", "Waist", "Length", "Sleeve", "Collar"]
    assert old.measurements["fields"][0]["value"] == "40.5"
    # A new job takes the template as it is now; the unchanged label kept its key, so its value carried over.
    new = jobs.create_job(team.shop, customer, by=team.owner, title="Slim shirt", template=template,
                          measurement_values={"chest": "102"})
    assert new.measurements["template"] == "Shirt (slim)"
    assert [(f["label"], f["unit"]) for f in new.measurements["fields"]] == [
        ("Chest", "cm"), ("Shoulder", "cm"), ("Collar", "in")]
    assert measurements.latest_values(team.shop, customer, template)["collar"] == "15"


def test_measurements_that_are_not_numbers_are_all_reported_at_once(db, team):
    customer, template = customer_of(db, team), shirt_template(db, team)
    with pytest.raises(MeasurementError) as refused:
        jobs.create_job(team.shop, customer, by=team.owner, title="Shirt", template=template,
                        measurement_values={"chest": "forty", "waist": "-3", "length": "30", "collar": "2000"})
    assert set(refused.value.errors) == {"chest", "waist", "collar"}
    assert "Chest must be a number" in refused.value.errors["chest"]
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CustomerMeasurement)) == 0


@pytest.mark.parametrize("typed, kept", [
    ("15.5", "15.5"), ("۱۵٫۵", "15.5"), ("١٥", "15"), ("15½", "15.5"), ("15 ¾", "15.75"), ("1/4", "0.25"),
    ("15.50", "15.5"), ("100", "100"), ("  ", ""),
])
def test_measurement_values_accept_urdu_digits_and_fractions(typed, kept):
    assert measurements.clean_value(typed, "Chest", "chest") == kept


@pytest.mark.parametrize("typed", ["abc", "15,5", "1/0", "NaN", "Infinity", "-1", "1e9", "15²", "½ 1/2"])
def test_measurement_values_that_are_not_sensible_numbers_are_refused(typed):
    with pytest.raises(DomainError) as refused:
        measurements.clean_value(typed, "Chest", "chest")
    assert refused.value.field == "m_chest"


def test_template_fields_are_read_in_either_language():
    assert measurements.parse_fields("Chest, in\n\n  Waist ,CM\nLength\nکمر، انچ\nچھاتی، سم") == [
        {"key": "chest", "label": "Chest", "unit": "in"},
        {"key": "waist", "label": "Waist", "unit": "cm"},
        {"key": "length", "label": "Length", "unit": "in"},
        {"key": "field", "label": "کمر", "unit": "in"},
        {"key": "field_2", "label": "چھاتی", "unit": "cm"},
    ]
    with pytest.raises(DomainError) as refused:
        measurements.parse_fields("Chest, feet")
    assert refused.value.field == "fields"


def test_standard_templates_are_added_once_in_the_shops_language(db, team):
    made = measurements.add_default_templates(team.shop, by=team.owner, locales=("en",))
    db.session.commit()
    assert [t.name for t in made] == ["Shirt", "Trousers", "Kameez", "Shalwar"]
    assert measurements.add_default_templates(team.shop, by=team.owner, locales=("en",)) == []
    urdu = measurements.add_default_templates(team.shop, by=team.owner, locales=("ur",))
    assert "قمیض" in [t.name for t in urdu]


def test_making_an_archived_templates_name_again_brings_it_back(db, team):
    template = shirt_template(db, team)
    measurements.archive_template(team.shop, template, by=team.owner)
    db.session.commit()
    assert measurements.list_templates(team.shop) == []
    again = measurements.save_template(team.shop, by=team.owner, name="Shirt", fields_text="Chest, in\nHem, in")
    assert again.id == template.id and again.archived_at is None
    assert [f["key"] for f in again.fields] == ["chest", "hem"]
    with pytest.raises(DomainError) as clash:
        measurements.save_template(team.shop, by=team.owner, name="Shirt", fields_text="Chest")
    assert clash.value.field == "name"


def test_a_job_moves_forward_one_step_at_a_time_and_every_move_is_recorded(db, team):
    job = jobs.create_job(team.shop, customer_of(db, team), by=team.owner, title="Kameez")
    jobs.move(team.shop, job, to=JobStatus.COMPLETED, by=team.staff)
    jobs.move(team.shop, job, to=JobStatus.DELIVERED, by=team.manager)
    db.session.commit()

    assert job.status == JobStatus.DELIVERED
    rows = [(c.from_status, c.to_status, c.user.name) for c in reversed(jobs.history(team.shop, job))]
    assert rows == [
        (None, JobStatus.IN_PROGRESS, team.owner.name),
        (JobStatus.IN_PROGRESS, JobStatus.COMPLETED, team.staff.name),
        (JobStatus.COMPLETED, JobStatus.DELIVERED, team.manager.name),
    ]
    assert all(c.created_at is not None for c in job.status_changes)


def test_skipping_a_step_is_refused(db, team):
    job = jobs.create_job(team.shop, customer_of(db, team), by=team.owner, title="Kameez")
    with pytest.raises(DomainError) as refused:
        jobs.move(team.shop, job, to=JobStatus.DELIVERED, by=team.owner)
    assert refused.value.field == "to" and job.status == JobStatus.IN_PROGRESS
    with pytest.raises(DomainError):
        jobs.move(team.shop, job, to=JobStatus.IN_PROGRESS, by=team.owner)


def test_a_step_back_needs_a_reason_which_the_history_keeps(db, team):
    job = jobs.create_job(team.shop, customer_of(db, team), by=team.owner, title="Kameez")
    jobs.move(team.shop, job, to=JobStatus.COMPLETED, by=team.owner)
    jobs.move(team.shop, job, to=JobStatus.DELIVERED, by=team.owner)
    with pytest.raises(DomainError) as refused:
        jobs.move(team.shop, job, to=JobStatus.COMPLETED, by=team.staff, reason="   ")
    assert refused.value.field == "reason" and job.status == JobStatus.DELIVERED
    assert jobs.earlier_statuses(job) == [JobStatus.COMPLETED, JobStatus.IN_PROGRESS]

    change = jobs.move(team.shop, job, to=JobStatus.IN_PROGRESS, by=team.staff, reason="Sleeves too  long")
    assert job.status == JobStatus.IN_PROGRESS
    assert (change.from_status, change.reason) == (JobStatus.DELIVERED, "Sleeves too long")
    assert change.user_id == team.staff.id
    assert jobs.history(team.shop, job)[0].reason == "Sleeves too long"


def test_a_time_without_a_date_and_a_negative_price_are_refused(db, team):
    customer = customer_of(db, team)
    with pytest.raises(DomainError) as no_date:
        jobs.create_job(team.shop, customer, by=team.owner, title="Shirt", due_time=time(17))
    assert no_date.value.field == "due_date"
    with pytest.raises(DomainError) as negative:
        jobs.create_job(team.shop, customer, by=team.owner, title="Shirt", quoted_minor=-100)
    assert negative.value.field == "quoted"
    with pytest.raises(DomainError) as untitled:
        jobs.create_job(team.shop, customer, by=team.owner, title="   ")
    assert untitled.value.field == "title"


def test_another_shops_customer_or_template_cannot_be_used(db, two_shops):
    a, b = two_shops
    theirs = customers.create_customer(b.shop, by=b.owner, name="Theirs")
    their_template = measurements.save_template(b.shop, by=b.owner, name="Shirt", fields_text=SHIRT)
    ours = customers.create_customer(a.shop, by=a.owner, name="Ours")
    with pytest.raises(ValueError):
        jobs.create_job(a.shop, theirs, by=a.owner, title="Shirt")
    with pytest.raises(ValueError):
        jobs.create_job(a.shop, ours, by=a.owner, title="Shirt", template=their_template)


def test_update_reports_what_changed_and_audits_the_price(db, team):
    job = jobs.create_job(team.shop, customer_of(db, team), by=team.owner, title="Shirt", quoted_minor=100000)
    changed = jobs.update_job(team.shop, job, by=team.manager, title="Shirt", quoted_minor=120000, notes="Blue")
    assert changed == ["quoted_minor", "notes"]
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "job.updated")).one()
    assert event.details == {"fields": ["quoted_minor", "notes"], "quoted_minor": 120000}


def test_the_board_groups_jobs_by_the_shops_today(db, team, monkeypatch):
    set_clock(monkeypatch, datetime(2026, 3, 11, 8, 0, tzinfo=timezone.utc))  # Wednesday 13:00 in Karachi
    today = clock.shop_today(team.shop)
    assert today == date(2026, 3, 11)
    customer = customer_of(db, team)

    def job(title, due=None, status=JobStatus.IN_PROGRESS):
        made = jobs.create_job(team.shop, customer, by=team.owner, title=title,
                               due_date=today + timedelta(days=due) if due is not None else None)
        for step in (JobStatus.COMPLETED, JobStatus.DELIVERED)[:[JobStatus.IN_PROGRESS, JobStatus.COMPLETED,
                                                                  JobStatus.DELIVERED].index(status)]:
            jobs.move(team.shop, made, to=step, by=team.owner)
        return made

    job("Late", -2), job("Today", 0), job("Tomorrow", 1), job("Saturday", 3), job("Next week", 7)
    job("Next month", 30), job("Whenever"), job("Ready", -5, JobStatus.COMPLETED), job("Gone", 0, JobStatus.DELIVERED)
    db.session.commit()

    board = jobs.board(team.shop, today=today)
    assert {name: [j.title for j in group] for name, group in board.groups.items()} == {
        "overdue": ["Late"], "today": ["Today"], "tomorrow": ["Tomorrow"], "this_week": ["Saturday", "Next week"],
        "later": ["Next month"], "no_date": ["Whenever"], "done": ["Ready", "Gone"],
    }
    assert board.count == 9
    only_done = jobs.board(team.shop, today=today, status=JobStatus.COMPLETED)
    assert [j.title for j in only_done.groups["done"]] == ["Ready"] and only_done.count == 1
    assert jobs.due_today_count(team.shop, today=today) == 1


def test_delivered_jobs_leave_the_board_after_a_week(db, team, monkeypatch):
    customer = customer_of(db, team)
    set_clock(monkeypatch, datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc))
    job = jobs.create_job(team.shop, customer, by=team.owner, title="Old")
    jobs.move(team.shop, job, to=JobStatus.COMPLETED, by=team.owner)
    jobs.move(team.shop, job, to=JobStatus.DELIVERED, by=team.owner)
    job.updated_at = datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)
    db.session.commit()
    assert jobs.board(team.shop, today=date(2026, 3, 5)).count == 1
    assert jobs.board(team.shop, today=date(2026, 3, 12)).count == 0
    assert jobs.board(team.shop, today=date(2026, 3, 12), status=JobStatus.DELIVERED).count == 1


def test_a_karachi_shop_at_half_past_eleven_utc_is_already_in_tomorrow(db, team, make_team, monkeypatch):
    assert team.shop.timezone == "Asia/Karachi"
    london = make_team("London Alterations").shop
    london.timezone = "Europe/London"
    set_clock(monkeypatch, datetime(2026, 3, 10, 23, 30, tzinfo=timezone.utc))  # 04:30 on the 11th in Karachi
    customer = customer_of(db, team)
    due_10th = jobs.create_job(team.shop, customer, by=team.owner, title="Due 10th", due_date=date(2026, 3, 10))
    due_11th = jobs.create_job(team.shop, customer, by=team.owner, title="Due 11th", due_date=date(2026, 3, 11))
    due_12th = jobs.create_job(team.shop, customer, by=team.owner, title="Due 12th", due_date=date(2026, 3, 12))
    db.session.commit()

    today = clock.shop_today(team.shop)
    assert today == date(2026, 3, 11) and clock.shop_today(london) == date(2026, 3, 10)
    board = jobs.board(team.shop, today=today)
    assert board.groups["overdue"] == [due_10th]
    assert board.groups["today"] == [due_11th]
    assert board.groups["tomorrow"] == [due_12th]
    assert due_10th.is_overdue(today)
    assert jobs.due_today_count(team.shop, today=today) == 1
    assert [j.title for j in jobs.board(team.shop, today=clock.shop_today(london)).groups["today"]] == ["Due 10th"]


def test_due_today_counts_only_open_jobs_of_the_shop(db, two_shops):
    a, b = two_shops
    today = date(2026, 3, 11)
    ours = customers.create_customer(a.shop, by=a.owner, name="Ours")
    theirs = customers.create_customer(b.shop, by=b.owner, name="Theirs")
    jobs.create_job(a.shop, ours, by=a.owner, title="Open", due_date=today)
    done = jobs.create_job(a.shop, ours, by=a.owner, title="Done", due_date=today)
    jobs.move(a.shop, done, to=JobStatus.COMPLETED, by=a.owner)
    jobs.create_job(a.shop, ours, by=a.owner, title="Tomorrow", due_date=today + timedelta(days=1))
    jobs.create_job(b.shop, theirs, by=b.owner, title="Theirs", due_date=today)
    db.session.commit()
    assert jobs.due_today_count(a.shop, today=today) == 1
    assert jobs.due_today_count(b.shop, today=today) == 1


def test_moving_a_job_brings_its_customer_to_the_top(db, team):
    first, second = customer_of(db, team, "First"), customer_of(db, team, "Second")
    job = jobs.create_job(team.shop, first, by=team.owner, title="Shirt")
    first.last_activity_at -= timedelta(days=2)
    second.last_activity_at -= timedelta(days=1)
    db.session.commit()
    assert customers.list_customers(team.shop).customers[0] == second
    jobs.move(team.shop, job, to=JobStatus.COMPLETED, by=team.owner)
    db.session.commit()
    assert customers.list_customers(team.shop).customers[0] == first
