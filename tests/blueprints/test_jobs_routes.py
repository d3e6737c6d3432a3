"""The job board, the job page and form, one-tap moves, photos, and the Jobs badge, over HTTP."""
import io
import json
import re
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from PIL import Image

from shopledger.models import Job, JobPhoto, JobStatus
from shopledger.services import clock, customers, jobs, measurements, photos

HX = {"HX-Request": "true"}
NOW = datetime(2026, 3, 11, 8, 0, tzinfo=timezone.utc)  # 13:00 in Karachi
TODAY = date(2026, 3, 11)


def picture(colour="red", size=(64, 48), fmt="JPEG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, fmt)
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)


@pytest.fixture
def team(make_team):
    return make_team("Noor Tailors")


@pytest.fixture
def customer(db, team):
    made = customers.create_customer(team.shop, by=team.owner, name="Ali Raza")
    db.session.commit()
    return made


@pytest.fixture
def shirt(db, team):
    template = measurements.save_template(team.shop, by=team.owner, name="Shirt",
                                          fields_text="Chest, in\nWaist, in\nCollar, in")
    db.session.commit()
    return template


def make_job(db, team, customer, **values):
    job = jobs.create_job(team.shop, customer, by=team.owner, **{"title": "Two shirts", **values})
    db.session.commit()
    return job


@pytest.fixture
def as_owner(client, team, login):
    login(client, team.owner.email)
    return client


def text(response) -> str:
    return response.get_data(as_text=True)


# The board


def test_the_board_is_a_page_and_its_fragment_is_the_same_board(as_owner, db, team, customer):
    make_job(db, team, customer, title="Kurta", due_date=TODAY)
    page = as_owner.get("/jobs")
    fragment = as_owner.get("/jobs", headers=HX)
    assert page.status_code == fragment.status_code == 200
    assert "<html" in text(page) and 'id="jobs-board"' in text(page)
    assert text(fragment).lstrip().startswith('<div id="jobs-board"') and "<html" not in text(fragment)
    assert "HX-Request" in page.headers["Vary"] and "HX-Request" in fragment.headers["Vary"]
    assert "Kurta" in text(fragment) and "Due today" in text(fragment)


def test_the_board_groups_by_due_date_and_marks_overdue_jobs_in_words(as_owner, db, team, customer):
    make_job(db, team, customer, title="Late kurta", due_date=TODAY - timedelta(days=1))
    make_job(db, team, customer, title="Shirt for today", due_date=TODAY)
    make_job(db, team, customer, title="Someday", due_date=None)
    board = text(as_owner.get("/jobs"))
    order = [board.index(text) for text in ("Overdue", "Late kurta", "Due today", "Shirt for today")]
    assert order == sorted(order)
    assert board.index("No due date") < board.index("Someday")
    late = re.search(r'<article class="job-card is-overdue" id="job-\d+".*?</article>', board, re.S).group(0)
    assert "Late kurta" in late and 'class="flag-overdue"' in late and ">Overdue<" in late
    assert board.count("is-overdue") == 1


def test_the_board_filters_by_status_and_customer_in_the_url(as_owner, db, team, customer):
    other = customers.create_customer(team.shop, by=team.owner, name="Bilal Khan")
    db.session.commit()
    make_job(db, team, customer, title="Ali shirt")
    done = make_job(db, team, other, title="Bilal coat")
    jobs.move(team.shop, done, to=JobStatus.COMPLETED, by=team.owner)
    db.session.commit()

    by_status = as_owner.get("/jobs?status=completed&customer_id=", headers=HX)
    assert "Bilal coat" in text(by_status) and "Ali shirt" not in text(by_status)
    assert by_status.headers["HX-Push-Url"] == "/jobs?status=completed"
    assert re.search(r'value="completed" checked', text(by_status))

    by_customer = as_owner.get(f"/jobs?customer_id={customer.id}")
    assert "Ali shirt" in text(by_customer) and "Bilal coat" not in text(by_customer)
    assert re.search(rf'<option value="{customer.id}" selected>Ali Raza</option>', text(by_customer))
    assert "Ali shirt" in text(as_owner.get("/jobs?status=nonsense"))


def test_the_board_refuses_another_shops_customer_filter(client, db, two_shops, login):
    a, b = two_shops
    theirs = customers.create_customer(b.shop, by=b.owner, name="Theirs")
    db.session.commit()
    login(client, a.owner.email)
    assert client.get(f"/jobs?customer_id={theirs.id}").status_code == 404


def test_one_tap_moves_a_job_on_and_answers_with_its_card_and_an_event(as_owner, db, team, customer):
    job = make_job(db, team, customer, due_date=TODAY)
    response = as_owner.post(f"/jobs/{job.id}/move", data={"to": "completed"},
                             headers={**HX, "HX-Target": f"job-{job.id}"})
    body = text(response)
    assert response.status_code == 200
    assert body.lstrip().startswith(f'<article class="job-card" id="job-{job.id}"')
    assert json.loads(response.headers["HX-Trigger"])["job-moved"] == {"id": job.id, "status": "completed"}
    assert "Completed" in body and 'value="delivered"' in body and "Mark delivered" in body
    db.session.expire_all()
    assert db.session.get(Job, job.id).status == JobStatus.COMPLETED


def test_a_stale_tap_answers_422_with_the_card_as_it_is_now(as_owner, db, team, customer):
    job = make_job(db, team, customer)
    jobs.move(team.shop, job, to=JobStatus.COMPLETED, by=team.staff)
    db.session.commit()
    response = as_owner.post(f"/jobs/{job.id}/move", data={"to": "completed"},
                             headers={**HX, "HX-Target": f"job-{job.id}"})
    assert response.status_code == 422 and "HX-Trigger" not in response.headers
    assert "already Completed" in text(response) and "Mark delivered" in text(response)


def test_without_javascript_a_move_returns_to_the_board_it_came_from(as_owner, db, team, customer):
    job = make_job(db, team, customer)
    response = as_owner.post(f"/jobs/{job.id}/move", data={"to": "completed", "next": "/jobs?status=in_progress"})
    assert response.status_code == 303 and response.headers["Location"] == "/jobs?status=in_progress"
    evil = as_owner.post(f"/jobs/{job.id}/move", data={"to": "delivered", "next": "https://evil.example/"})
    assert evil.headers["Location"] == f"/jobs/{job.id}"


def test_moving_back_without_a_reason_answers_422_next_to_the_reason(as_owner, db, team, customer):
    job = make_job(db, team, customer)
    jobs.move(team.shop, job, to=JobStatus.COMPLETED, by=team.owner)
    db.session.commit()
    response = as_owner.post(f"/jobs/{job.id}/move", data={"to": "in_progress", "reason": "  "},
                             headers={**HX, "HX-Target": "job-status"})
    body = text(response)
    assert response.status_code == 422
    assert body.lstrip().startswith('<section class="card job-status" id="job-status"')
    assert re.search(r'id="reason-error">Say why the job goes back', body)
    assert '<details class="move-back" open>' in body
    db.session.expire_all()
    assert db.session.get(Job, job.id).status == JobStatus.COMPLETED

    page = as_owner.post(f"/jobs/{job.id}/move", data={"to": "in_progress"})
    assert page.status_code == 422 and "<html" in text(page) and 'id="reason-error"' in text(page)


def test_moving_back_with_a_reason_shows_it_in_the_history(as_owner, db, team, customer):
    job = make_job(db, team, customer)
    jobs.move(team.shop, job, to=JobStatus.COMPLETED, by=team.owner)
    db.session.commit()
    response = as_owner.post(f"/jobs/{job.id}/move", data={"to": "in_progress", "reason": "Collar too tight"},
                             headers={**HX, "HX-Target": "job-status"})
    body = text(response)
    assert response.status_code == 200 and "job-moved" in response.headers["HX-Trigger"]
    assert "Moved back to In progress" in body and "Collar too tight" in body
    assert f"by <bdi>{team.owner.name}</bdi>" in body and "Mark completed" in body


# The form


def test_the_new_job_form_for_a_customer_names_them(as_owner, customer, shirt):
    page = text(as_owner.get(f"/jobs/new?customer_id={customer.id}"))
    assert "Ali Raza" in page and f'name="customer_id" value="{customer.id}"' in page
    assert 'name="fixed_customer" value="1"' in page
    assert f'<option value="{shirt.id}">Shirt</option>' in page
    assert 'hx-get="/jobs/measurement-fields"' in page
    assert 'data-dictate="notes"' in page and 'id="notes"' in page


def test_the_new_job_form_without_a_customer_offers_the_active_ones(as_owner, db, team, customer):
    gone = customers.create_customer(team.shop, by=team.owner, name="Archived Person")
    customers.archive(team.shop, gone, by=team.owner)
    db.session.commit()
    page = text(as_owner.get("/jobs/new"))
    assert re.search(rf'<option value="{customer.id}">Ali Raza</option>', page)
    assert "Archived Person" not in page


def test_a_new_job_form_with_no_customers_sends_you_to_add_one(as_owner):
    page = text(as_owner.get("/jobs/new"))
    assert 'id="job-form"' not in page and "Add your first customer" in page


def test_creating_a_job_keeps_price_and_measurements_and_goes_to_the_job(as_owner, db, team, customer, shirt):
    response = as_owner.post("/jobs", data={
        "customer_id": customer.id, "fixed_customer": "1", "title": "Wedding kurta", "due_date": "2026-03-14",
        "due_time": "17:30", "quoted": "۲,۵۰۰", "template_id": shirt.id, "m_chest": "۴۰", "m_collar": "15½",
        "notes": "Extra buttons",
    })
    job = db.session.scalars(sa.select(Job)).one()
    assert response.status_code == 303 and response.headers["Location"] == f"/jobs/{job.id}"
    assert (job.quoted_minor, job.due_date, job.due_time.hour) == (250000, date(2026, 3, 14), 17)
    assert [f["value"] for f in job.measurements["fields"]] == ["40", "", "15.5"]
    assert job.created_by_id == team.owner.id

    page = text(as_owner.get(f"/jobs/{job.id}"))
    assert "Wedding kurta" in page and "Extra buttons" in page and "Rs\xa02,500" in page
    table = re.search(r'<table class="measurements-table">.*?</table>', page, re.S).group(0)
    assert re.search(r'Chest</bdi></th>\s*<td><bdi class="num" dir="ltr">40</bdi> <span class="unit">in</span>', table)
    assert "15.5" in table
    assert "Job taken" in page and f"by <bdi>{team.owner.name}</bdi>" in page


def test_a_fragment_create_redirects_with_hx_redirect(as_owner, db, customer):
    response = as_owner.post("/jobs", data={"customer_id": customer.id, "title": "Shirt"}, headers=HX)
    job = db.session.scalars(sa.select(Job)).one()
    assert response.status_code == 204 and response.headers["HX-Redirect"] == f"/jobs/{job.id}"


def test_bad_input_answers_422_with_the_form_and_what_was_typed(as_owner, db, customer, shirt):
    response = as_owner.post("/jobs", data={
        "customer_id": customer.id, "fixed_customer": "1", "title": "", "quoted": "fifteen hundred",
        "template_id": shirt.id, "m_chest": "40", "m_waist": "wide", "notes": "Keep this note",
    }, headers=HX)
    body = text(response)
    assert response.status_code == 422
    assert body.lstrip().startswith('<form id="job-form"')
    assert 'id="title-error"' in body and "Say what the job is" in body
    assert 'id="quoted-error"' in body and 'value="fifteen hundred"' in body
    assert 'id="m-waist-error"' in body and "Waist must be a number" in body
    assert 'name="m_chest" value="40"' in body and 'name="m_waist" value="wide"' in body
    assert "Keep this note" in body and 'name="fixed_customer" value="1"' in body
    assert re.search(r'<input[^>]*autofocus[^>]*id="title"|<input[^>]*id="title"[^>]*autofocus', body)
    assert body.count("autofocus") == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Job)) == 0


def test_a_bad_measurement_alone_answers_422_beside_that_measurement(as_owner, db, customer, shirt):
    response = as_owner.post("/jobs", data={"customer_id": customer.id, "title": "Shirt", "template_id": shirt.id,
                                            "m_collar": "15..5"}, headers=HX)
    assert response.status_code == 422
    assert re.search(r'id="m-collar-error">Collar must be a number', text(response))
    assert 'aria-describedby="m-collar-error"' in text(response)
    assert re.search(r'id="m-collar"[^>]*autofocus', text(response)) and text(response).count("autofocus") == 1


def test_a_job_needs_a_customer(as_owner, db, customer):
    response = as_owner.post("/jobs", data={"customer_id": "", "title": "Shirt"}, headers=HX)
    assert response.status_code == 422 and "Choose the customer the job is for." in text(response)
    assert re.search(rf'<option value="{customer.id}">Ali Raza</option>', text(response))


def test_choosing_a_template_fills_in_the_customers_last_values(as_owner, db, team, customer, shirt):
    make_job(db, team, customer, template=shirt, measurement_values={"chest": "40", "collar": "15.5"})
    response = as_owner.get(f"/jobs/measurement-fields?template_id={shirt.id}&customer_id={customer.id}", headers=HX)
    body = text(response)
    assert response.status_code == 200 and body.lstrip().startswith('<div id="measurement-fields"')
    assert 'name="m_chest" value="40"' in body and 'name="m_waist" value=""' in body
    assert "Filled in from the last order" in body
    assert 'inputmode="decimal"' in body
    empty = text(as_owner.get("/jobs/measurement-fields", headers=HX))
    assert 'id="measurement-fields"' in empty and "<input" not in empty


def test_editing_a_job_shows_its_values_and_saves_changes(as_owner, db, team, customer, shirt):
    job = make_job(db, team, customer, quoted_minor=150050, template=shirt, measurement_values={"chest": "40"})
    page = text(as_owner.get(f"/jobs/{job.id}/edit"))
    assert 'value="1500.50"' in page and 'name="m_chest" value="40"' in page
    assert f'<option selected value="{shirt.id}">Shirt</option>' in page or f'value="{shirt.id}" selected' in page
    assert 'name="customer_id"' not in page

    response = as_owner.post(f"/jobs/{job.id}", data={"title": "Three shirts", "quoted": "1800",
                                                      "template_id": shirt.id, "m_chest": "41"})
    assert response.status_code == 303
    db.session.expire_all()
    job = db.session.get(Job, job.id)
    assert (job.title, job.quoted_minor, job.measurements["fields"][0]["value"]) == ("Three shirts", 180000, "41")

    bad = as_owner.post(f"/jobs/{job.id}", data={"title": "Three shirts", "due_time": "10:00"}, headers=HX)
    assert bad.status_code == 422 and "Choose a due date for the time." in text(bad)


def test_choosing_no_template_on_edit_removes_the_measurements(as_owner, db, team, customer, shirt):
    job = make_job(db, team, customer, template=shirt, measurement_values={"chest": "40"})
    as_owner.post(f"/jobs/{job.id}", data={"title": "Shirt", "template_id": ""})
    db.session.expire_all()
    assert db.session.get(Job, job.id).measurements == {}


# Photos


def test_several_photos_upload_at_once_into_the_grid(as_owner, db, team, customer):
    job = make_job(db, team, customer)
    response = as_owner.post(f"/jobs/{job.id}/photos", headers=HX, content_type="multipart/form-data", data={
        "photos": [(io.BytesIO(picture("red")), "one.jpg"), (io.BytesIO(picture("blue", fmt="PNG")), "two.png")],
    })
    body = text(response)
    assert response.status_code == 200 and "photos-added" in response.headers["HX-Trigger"]
    assert body.lstrip().startswith('<section class="card" id="job-photos"')
    assert "2 photos added." in body
    ids = db.session.scalars(sa.select(JobPhoto.id).order_by(JobPhoto.id)).all()
    assert len(ids) == 2
    for photo_id in ids:
        assert f'src="/jobs/photos/{photo_id}/thumbnail"' in body and f'href="/jobs/photos/{photo_id}"' in body
    assert 'hx-boost="false"' in body and "hx-confirm" in body
    assert 'capture="environment"' in body and 'accept="image/*"' in body and "multiple" in body


def test_uploads_that_are_not_pictures_are_named_and_the_rest_kept(as_owner, db, team, customer):
    job = make_job(db, team, customer)
    mixed = as_owner.post(f"/jobs/{job.id}/photos", headers=HX, content_type="multipart/form-data", data={
        "photos": [(io.BytesIO(picture()), "good.jpg"), (io.BytesIO(b"%PDF-1.4 not a photo"), "bill.jpg")],
    })
    assert mixed.status_code == 200 and "bill.jpg" in text(mixed) and "not a picture" in text(mixed)
    only_bad = as_owner.post(f"/jobs/{job.id}/photos", headers=HX, content_type="multipart/form-data",
                             data={"photos": [(io.BytesIO(b"GIF89a-broken"), "x.gif")]})
    assert only_bad.status_code == 422 and "HX-Trigger" not in only_bad.headers
    nothing = as_owner.post(f"/jobs/{job.id}/photos", headers=HX, content_type="multipart/form-data", data={})
    assert nothing.status_code == 422 and "at least one photo" in text(nothing)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(JobPhoto)) == 1


def test_a_photo_is_served_privately_to_members_and_404_to_another_shop(app, client, db, two_shops, login):
    a, b = two_shops
    job = jobs.create_job(a.shop, customers.create_customer(a.shop, by=a.owner, name="Ali"), by=a.owner, title="T")
    photo = photos.add_photo(a.shop, job, picture(), by=a.owner)
    db.session.commit()

    anonymous = client.get(f"/jobs/photos/{photo.id}")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]

    login(client, a.viewer.email)
    for path in (f"/jobs/photos/{photo.id}", f"/jobs/photos/{photo.id}/thumbnail"):
        with client.get(path) as served:
            assert served.status_code == 200 and served.mimetype == "image/jpeg"
            assert served.headers["Cache-Control"].startswith("private")
            assert Image.open(io.BytesIO(served.data)).format == "JPEG"

    other = app.test_client()
    login(other, b.owner.email)
    for path in (f"/jobs/photos/{photo.id}", f"/jobs/photos/{photo.id}/thumbnail"):
        assert other.get(path).status_code == 404
    assert other.post(f"/jobs/photos/{photo.id}/delete").status_code == 404
    assert photos.photo_path(a.shop, photo).exists()


def test_deleting_a_photo_answers_with_the_grid_without_it(as_owner, db, team, customer):
    job = make_job(db, team, customer)
    photo = photos.add_photo(team.shop, job, picture(), by=team.owner)
    db.session.commit()
    photo_id, path = photo.id, photos.photo_path(team.shop, photo)
    response = as_owner.post(f"/jobs/photos/{photo_id}/delete", headers=HX)
    assert response.status_code == 200 and "photo-deleted" in response.headers["HX-Trigger"]
    assert f"/jobs/photos/{photo_id}/thumbnail" not in text(response) and "Photo deleted." in text(response)
    assert not path.exists()
    assert as_owner.get(f"/jobs/photos/{photo_id}").status_code == 404


# The badge, roles and other shops


def test_the_jobs_badge_counts_the_jobs_due_today(as_owner, db, team, customer):
    make_job(db, team, customer, title="Today one", due_date=TODAY)
    make_job(db, team, customer, title="Today two", due_date=TODAY)
    make_job(db, team, customer, title="Tomorrow", due_date=TODAY + timedelta(days=1))
    done = make_job(db, team, customer, title="Done today", due_date=TODAY)
    jobs.move(team.shop, done, to=JobStatus.COMPLETED, by=team.owner)
    db.session.commit()
    page = text(as_owner.get("/more"))
    nav = re.search(r'<nav id="bottom-nav" class="bottom-nav".*?</nav>', page, re.S).group(0)
    jobs_link = re.search(r'<a href="/jobs".*?</a>', nav, re.S).group(0)
    assert '<span class="nav-badge" aria-hidden="true"><bdi>2</bdi></span>' in jobs_link
    assert "2 jobs due today" in jobs_link


def test_a_one_tap_move_updates_the_badge_out_of_band(as_owner, db, team, customer):
    first = make_job(db, team, customer, title="Today one", due_date=TODAY)
    make_job(db, team, customer, title="Today two", due_date=TODAY)
    response = as_owner.post(f"/jobs/{first.id}/move", data={"to": "completed"},
                             headers={**HX, "HX-Target": f"job-{first.id}"})
    body = text(response)
    assert body.lstrip().startswith(f'<article class="job-card" id="job-{first.id}"')
    nav = re.search(r'<nav id="bottom-nav" [^>]*hx-swap-oob="true".*?</nav>', body, re.S).group(0)
    assert "<bdi>1</bdi>" in nav and "1 job due today" in nav


def test_no_badge_when_nothing_is_due_today(as_owner, db, team, customer):
    make_job(db, team, customer, due_date=TODAY + timedelta(days=1))
    assert "nav-badge" not in text(as_owner.get("/jobs"))


def test_a_viewer_sees_jobs_without_buttons_and_is_refused_changes(client, db, team, customer, shirt, login):
    job = make_job(db, team, customer, due_date=TODAY)
    photos.add_photo(team.shop, job, picture(), by=team.owner)
    db.session.commit()
    login(client, team.viewer.email)
    board, page = text(client.get("/jobs")), text(client.get(f"/jobs/{job.id}"))
    assert "Two shirts" in board and "Two shirts" in page
    for body in (board, page):
        assert "/move" not in body and "New job" not in body and "/edit" not in body
        assert "/delete" not in body and 'type="file"' not in body
    assert client.get("/jobs/new").status_code == 403
    assert client.get(f"/jobs/{job.id}/edit").status_code == 403
    assert client.post("/jobs", data={"customer_id": customer.id, "title": "Sneaky"}).status_code == 403
    assert client.post(f"/jobs/{job.id}", data={"title": "Sneaky"}).status_code == 403
    assert client.post(f"/jobs/{job.id}/move", data={"to": "completed"}).status_code == 403
    upload = client.post(f"/jobs/{job.id}/photos", content_type="multipart/form-data",
                         data={"photos": [(io.BytesIO(picture()), "a.jpg")]})
    assert upload.status_code == 403
    db.session.expire_all()
    assert db.session.get(Job, job.id).status == JobStatus.IN_PROGRESS
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Job)) == 1


def test_another_shops_job_customer_and_template_ids_answer_404(client, db, two_shops, login):
    a, b = two_shops
    ours = customers.create_customer(a.shop, by=a.owner, name="Ours")
    theirs = customers.create_customer(b.shop, by=b.owner, name="Theirs")
    their_template = measurements.save_template(b.shop, by=b.owner, name="Coat", fields_text="Chest, in")
    their_job = jobs.create_job(b.shop, theirs, by=b.owner, title="Their coat")
    db.session.commit()
    login(client, a.owner.email)

    for path in (f"/jobs/{their_job.id}", f"/jobs/{their_job.id}/edit", f"/jobs/new?customer_id={theirs.id}",
                 f"/jobs?customer_id={theirs.id}", f"/jobs/measurement-fields?template_id={their_template.id}",
                 f"/jobs/measurement-fields?customer_id={theirs.id}",
                 f"/jobs/measurement-fields?job_id={their_job.id}"):
        assert client.get(path).status_code == 404, path
    for path, data in ((f"/jobs/{their_job.id}", {"title": "Taken"}),
                       (f"/jobs/{their_job.id}/move", {"to": "completed"}),
                       (f"/jobs/{their_job.id}/photos", {}),
                       ("/jobs", {"customer_id": theirs.id, "title": "Sneaky"}),
                       ("/jobs", {"customer_id": ours.id, "title": "Sneaky", "template_id": their_template.id})):
        assert client.post(path, data=data).status_code == 404, path
    db.session.expire_all()
    assert db.session.get(Job, their_job.id).status == JobStatus.IN_PROGRESS
    assert db.session.get(Job, their_job.id).title == "Their coat"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Job)) == 1


def test_what_the_shop_typed_is_shown_as_text_not_markup(as_owner, db, team):
    evil = customers.create_customer(team.shop, by=team.owner, name="<script>alert(1)</script>")
    template = measurements.save_template(team.shop, by=team.owner, name="<i>Coat</i>", fields_text="<b>Chest</b>")
    job = make_job(db, team, evil, title="<img src=x onerror=alert(1)>", due_date=TODAY, template=template,
                   measurement_values={"b_chest_b": "40"}, notes="<u>note</u>")
    for body in (text(as_owner.get("/jobs")), text(as_owner.get(f"/jobs/{job.id}")),
                 text(as_owner.get(f"/jobs/{job.id}/edit"))):
        assert "<script>alert" not in body and "<img src=x" not in body and "<b>Chest" not in body
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
