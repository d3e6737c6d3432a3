"""Measurement templates over HTTP: the standard set in one tap, add, change, archive; managers and owners only."""
import re

import pytest
import sqlalchemy as sa

from shopledger.models import MeasurementTemplate
from shopledger.services import customers, jobs, measurements

HX = {"HX-Request": "true"}


@pytest.fixture
def team(make_team):
    return make_team("Noor Tailors")


def text(response) -> str:
    return response.get_data(as_text=True)


def names(db, shop) -> list[str]:
    return [t.name for t in measurements.list_templates(shop)]


def test_a_shop_without_templates_adds_the_standard_ones_in_one_tap(client, db, team, login):
    login(client, team.manager.email)
    page = text(client.get("/measurements"))
    assert "Add the standard tailoring templates" in page and 'action="/measurements/standard"' in page

    response = client.post("/measurements/standard")
    assert response.status_code == 303 and response.headers["Location"] == "/measurements"
    assert names(db, team.shop) == ["Kameez", "Shalwar", "Shirt", "Trousers"]
    page = text(client.get("/measurements"))
    assert "Add the standard tailoring templates" not in page
    assert "4 templates added." in page
    assert re.search(r"Chest, Waist, Length, Sleeve, Shoulder, Collar", page)


def test_an_urdu_reader_gets_the_urdu_templates(client, db, team, login):
    team.manager.locale = "ur"
    db.session.commit()
    login(client, team.manager.email)
    client.post("/measurements/standard")
    assert "قمیض" in names(db, team.shop) and "Shirt" not in names(db, team.shop)


def test_a_template_is_made_from_lines_and_shown_in_the_list(client, db, team, login):
    login(client, team.owner.email)
    assert 'name="fields"' in text(client.get("/measurements/new"))
    response = client.post("/measurements", data={"name": "Waistcoat", "fields": "Chest, in\nLength، سم\n"})
    assert response.status_code == 303
    template = db.session.scalars(sa.select(MeasurementTemplate)).one()
    assert template.fields == [{"key": "chest", "label": "Chest", "unit": "in"},
                               {"key": "length", "label": "Length", "unit": "cm"}]


def test_a_wrong_unit_answers_422_with_the_form_as_typed(client, db, team, login):
    login(client, team.owner.email)
    response = client.post("/measurements", data={"name": "Coat", "fields": "Chest, feet\nLength, in"})
    body = text(response)
    assert response.status_code == 422
    assert 'id="fields-error"' in body and "Use in or cm as the unit" in body
    assert 'value="Coat"' in body and "Chest, feet\nLength, in" in body
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MeasurementTemplate)) == 0
    clash = client.post("/measurements", data={"name": "Coat", "fields": "Chest"})
    assert clash.status_code == 303
    again = client.post("/measurements", data={"name": "Coat", "fields": "Chest"})
    assert again.status_code == 422 and "already a template with this name" in text(again)


def test_changing_a_template_leaves_jobs_made_with_it_as_they_were(client, db, team, login):
    template = measurements.save_template(team.shop, by=team.owner, name="Shirt", fields_text="Chest, in\nCollar, in")
    customer = customers.create_customer(team.shop, by=team.owner, name="Ali")
    job = jobs.create_job(team.shop, customer, by=team.owner, title="Shirt", template=template,
                          measurement_values={"chest": "40", "collar": "15"})
    db.session.commit()
    login(client, team.manager.email)
    page = text(client.get(f"/measurements/{template.id}/edit"))
    assert "Chest, in\nCollar, in" in page and "keep the measurements they were made with" in page

    assert client.post(f"/measurements/{template.id}", data={"name": "Shirt", "fields": "Chest, cm"}).status_code == 303
    db.session.expire_all()
    assert db.session.get(MeasurementTemplate, template.id).fields == [{"key": "chest", "label": "Chest", "unit": "cm"}]
    job_page = text(client.get(f"/jobs/{job.id}"))
    collar = r'Collar</bdi></th>\s*<td><bdi class="num" dir="ltr">15</bdi> <span class="unit">in</span>'
    assert re.search(collar, job_page)


def test_an_archived_template_leaves_the_list_and_the_job_form(client, db, team, login):
    template = measurements.save_template(team.shop, by=team.owner, name="Sherwani", fields_text="Chest")
    customer = customers.create_customer(team.shop, by=team.owner, name="Ali")
    db.session.commit()
    login(client, team.owner.email)
    edit = text(client.get(f"/measurements/{template.id}/edit"))
    assert "hx-confirm" in edit and f'action="/measurements/{template.id}/archive"' in edit
    assert client.post(f"/measurements/{template.id}/archive").status_code == 303
    listing = text(client.get("/measurements"))
    assert "Template \u2068Sherwani\u2069 archived." in listing and "Sherwani</bdi>" not in listing
    assert "Sherwani" not in text(client.get(f"/jobs/new?customer_id={customer.id}"))


def test_only_owners_and_managers_manage_templates(app, db, team, login):
    template = measurements.save_template(team.shop, by=team.owner, name="Shirt", fields_text="Chest")
    db.session.commit()
    for member, allowed in ((team.owner, True), (team.manager, True), (team.staff, False), (team.viewer, False)):
        browser = app.test_client()
        login(browser, member.email)
        more = text(browser.get("/more"))
        assert ('href="/measurements"' in more) is allowed
        assert browser.get("/measurements").status_code == (200 if allowed else 403)
        if not allowed:
            for path in ("/measurements", f"/measurements/{template.id}", f"/measurements/{template.id}/archive",
                         "/measurements/standard"):
                assert browser.post(path, data={"name": "X", "fields": "Y"}).status_code == 403
    db.session.expire_all()
    assert names(db, team.shop) == ["Shirt"]


def test_another_shops_template_answers_404(client, db, two_shops, login):
    a, b = two_shops
    theirs = measurements.save_template(b.shop, by=b.owner, name="Coat", fields_text="Chest")
    db.session.commit()
    login(client, a.owner.email)
    assert client.get(f"/measurements/{theirs.id}/edit").status_code == 404
    assert client.post(f"/measurements/{theirs.id}", data={"name": "Mine", "fields": "X"}).status_code == 404
    assert client.post(f"/measurements/{theirs.id}/archive").status_code == 404
    db.session.expire_all()
    kept = db.session.get(MeasurementTemplate, theirs.id)
    assert (kept.name, kept.archived_at) == ("Coat", None)
    assert "Coat" not in text(client.get("/measurements"))
