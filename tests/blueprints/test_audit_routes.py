"""The audit log over HTTP: owners only, every event in words with who and when, filtered and paged, and the
trail of one invoice or payment; another shop's events never show."""
import re
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa

from shopledger.models import AuditEvent, PaymentMethod, Role
from shopledger.services import clock, customers, invoices, jobs, members, payments, shops
from shopledger.services.invoices import LineDraft
from shopledger.services.money import format_money

HX = {"HX-Request": "true"}
NOW = datetime(2026, 11, 21, 8, 0, tzinfo=timezone.utc)
TODAY = date(2026, 11, 21)


def rs(minor: int) -> str:
    return " ".join(format_money(minor, "PKR", territory="PK", locale="en").split())


def text(response) -> str:
    return response.get_data(as_text=True)


def sentences(html: str) -> list[str]:
    """Each event's words, tags taken out, the way a person reads them."""
    return [" ".join(re.sub(r"<[^>]+>", "", what).split())
            for what in re.findall(r'<p class="audit-what">(.*?)</p>', html, re.S)]


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)


@pytest.fixture
def team(make_team, db):
    team = make_team("Noor Tailors")
    team.owner.name, team.manager.name, team.staff.name = "Ayesha Khan", "Bilal Ahmed", "Danish Ali"
    db.session.commit()
    return team


@pytest.fixture
def owner_client(client, team, login):
    login(client, team.owner.email)
    return client


@pytest.fixture
def ali(db, team):
    customer = customers.create_customer(team.shop, by=team.staff, name="Ali Raza")
    db.session.commit()
    return customer


def issue(db, team, customer, amount: int, *, by=None, shop=None):
    shop, by = shop or team.shop, by or team.manager
    invoice = invoices.create_draft(shop, customer, by=by, issue_date=TODAY,
                                    lines=[LineDraft("Stitching", Decimal(1), amount)])
    invoices.issue(shop, invoice, by=by)
    db.session.commit()
    return invoice


def pay(db, team, customer, amount: int, *, by=None, shop=None):
    payment, _created = payments.record(shop or team.shop, customer, by=by or team.staff, amount_minor=amount,
                                        received_on=TODAY, method=PaymentMethod.CHEQUE, reference="004512")
    db.session.commit()
    return payment


# --- who may look ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.MANAGER, Role.STAFF, Role.VIEWER], ids=lambda role: role.value)
def test_only_the_owner_sees_the_audit_log(client, db, team, login, ali, role):
    invoice = issue(db, team, ali, 4500_00)
    payment = pay(db, team, ali, 1000_00)
    login(client, team.member(role).email)
    for path in ("/audit", "/audit?kind=invoice", f"/audit/invoices/{invoice.id}", f"/audit/payments/{payment.id}"):
        for headers in ({}, HX):
            response = client.get(path, headers=headers)
            assert response.status_code == 403, path
            assert "Ali Raza" not in text(response) and invoice.number not in text(response)


def test_a_visitor_is_sent_to_log_in(client, db, team):
    response = client.get("/audit")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


# --- the shop's log ----------------------------------------------------------------------------------------


def test_the_log_says_each_money_event_in_words_newest_first(owner_client, db, team, ali):
    invoice = issue(db, team, ali, 4500_00)
    payment = pay(db, team, ali, 1000_00)
    payments.void(team.shop, payment, by=team.owner, reason="cheque bounced")
    invoices.void(team.shop, invoice, by=team.owner, reason="wrong price")
    db.session.commit()
    response = owner_client.get("/audit")
    page = text(response)
    assert response.status_code == 200 and page.startswith("<!doctype html>")
    said = sentences(page)
    assert said[:5] == [
        f"Ayesha Khan voided {invoice.number}: wrong price",
        f"Ayesha Khan voided payment #{payment.id}: cheque bounced",
        f"Danish Ali set {rs(1000_00)} of payment #{payment.id} against {invoice.number}",
        f"Danish Ali recorded payment #{payment.id}: {rs(1000_00)} from Ali Raza",
        f"Bilal Ahmed issued {invoice.number} for {rs(4500_00)}",
    ]
    assert f'href="/invoices/{invoice.id}"' in page and f'href="/payments/{payment.id}"' in page
    assert f'href="/customers/{ali.id}"' in page


def test_the_log_says_customer_job_member_and_shop_events_in_words(owner_client, db, team, ali):
    customers.update_customer(team.shop, ali, by=team.manager, phone="0300 1234567")
    customers.archive(team.shop, ali, by=team.manager)
    customers.unarchive(team.shop, ali, by=team.manager)
    job = jobs.create_job(team.shop, ali, by=team.staff, title="Two shirts")
    from shopledger.models import JobStatus

    jobs.move(team.shop, job, to=JobStatus.COMPLETED, by=team.staff)
    members.invite(team.shop, by=team.owner, name="Zara Noor", role=Role.STAFF)
    manager_membership = next(m for m in team.shop.memberships if m.user_id == team.manager.id)
    members.change_role(team.shop, manager_membership, role=Role.VIEWER, by=team.owner)
    shops.update_settings(team.shop, by=team.owner, phone="0300 7654321", address="Shop 14, Tariq Road")
    gone = customers.create_customer(team.shop, by=team.owner, name="Short Lived")
    customers.delete(team.shop, gone, by=team.owner)
    db.session.commit()
    said = sentences(text(owner_client.get("/audit")))
    for expected in (
        "Danish Ali added the customer Ali Raza",
        "Bilal Ahmed changed Phone for Ali Raza",
        "Bilal Ahmed archived Ali Raza",
        "Bilal Ahmed brought Ali Raza back to the list",
        "Danish Ali took the job Two shirts",
        "Danish Ali moved Two shirts to Completed",
        "Ayesha Khan invited Zara Noor as Staff",
        "Ayesha Khan changed Bilal Ahmed from Manager to Viewer",
        "Ayesha Khan changed the shop settings: Address, Phone",
        "Ayesha Khan deleted the customer Short Lived",
        "Ayesha Khan opened the shop Noor Tailors",
    ):
        assert expected in said, (expected, said)


def test_the_log_filters_by_kind_in_the_url(owner_client, db, team, ali):
    invoice = issue(db, team, ali, 4500_00)
    payment = pay(db, team, ali, 1000_00)
    page = text(owner_client.get("/audit", query_string={"kind": "payment"}))
    said = sentences(page)
    assert said and all(f"payment #{payment.id}" in sentence for sentence in said)
    assert not any("issued" in sentence or "added the customer" in sentence for sentence in said)
    assert re.search(r'<a href="/audit\?kind=payment"[^>]*aria-current="page"', page)
    invoices_only = sentences(text(owner_client.get("/audit", query_string={"kind": "invoice"})))
    assert invoices_only == [f"Bilal Ahmed issued {invoice.number} for {rs(4500_00)}"]
    customers_only = sentences(text(owner_client.get("/audit", query_string={"kind": "customer"})))
    assert customers_only == ["Danish Ali added the customer Ali Raza"]
    everything = sentences(text(owner_client.get("/audit", query_string={"kind": "nonsense"})))
    assert len(everything) > len(said)


def test_a_filter_answers_the_log_fragment_and_its_address(owner_client, db, team, ali):
    pay(db, team, ali, 1000_00)
    response = owner_client.get("/audit", query_string={"kind": "payment"}, headers=HX)
    fragment = text(response)
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    assert fragment.lstrip().startswith('<div id="audit-log"') and "<html" not in fragment
    assert response.headers["HX-Push-Url"] == "/audit?kind=payment"
    chip = re.search(r'<a href="/audit\?kind=invoice"[^>]*>', fragment).group(0)
    assert 'hx-get="/audit?kind=invoice"' in chip and 'hx-push-url="true"' in chip


def test_the_log_pages_newest_first(owner_client, db, team, ali):
    for number in range(35):
        customers.update_customer(team.shop, ali, by=team.owner, notes=f"Note {number}")
    db.session.commit()
    first = text(owner_client.get("/audit"))
    assert len(sentences(first)) == 30 and 'href="/audit?page=2"' in first
    second = text(owner_client.get("/audit", query_string={"page": 2}))
    said = sentences(second)
    # The shop, the customer and 35 notes: the 30 newest on the first page, the rest on the second.
    assert len(said) == len(list(db.session.scalars(sa.select(AuditEvent.id)))) - 30
    assert "Ayesha Khan opened the shop Noor Tailors" in said and 'rel="next"' not in second
    assert "There are no older events." in text(owner_client.get("/audit", query_string={"page": 9}))


def test_times_are_shown_in_the_shops_time_zone(owner_client, db, team, ali):
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "customer.created"))
    event.created_at = datetime(2026, 11, 21, 19, 30, tzinfo=timezone.utc)  # 00:30 the next day in Karachi
    db.session.commit()
    page = text(owner_client.get("/audit", query_string={"kind": "customer"}))
    when = re.search(r'<time datetime="[^"]+"><bdi>([^<]+)</bdi></time>', page).group(1)
    assert "Nov 22, 2026" in when and "12:30" in when
    assert "Asia/Karachi" in page


def test_another_shops_events_never_show(owner_client, db, team, make_team):
    other = make_team("Beta Repairs")
    theirs = customers.create_customer(other.shop, by=other.owner, name="Secret Client")
    issue(db, team, theirs, 7777_00, shop=other.shop, by=other.owner)
    for kind in (None, "invoice", "customer", "shop", "member"):
        page = text(owner_client.get("/audit", query_string={"kind": kind} if kind else {}))
        assert "Secret Client" not in page and "Beta Repairs" not in page and rs(7777_00) not in page


# --- one invoice's and one payment's trail ------------------------------------------------------------------


def test_an_invoices_trail_has_its_own_events_and_the_money_set_against_it(owner_client, db, team, ali):
    invoice = issue(db, team, ali, 4500_00)
    other_invoice = issue(db, team, ali, 300_00)
    payment = pay(db, team, ali, 4600_00)
    payments.void(team.shop, payment, by=team.owner, reason="cheque bounced")
    db.session.commit()
    response = owner_client.get(f"/audit/invoices/{invoice.id}")
    page = text(response)
    assert response.status_code == 200 and page.startswith("<!doctype html>")
    assert sentences(page) == [
        f"Ayesha Khan voided payment #{payment.id}: cheque bounced",
        f"Danish Ali set {rs(4500_00)} of payment #{payment.id} against {invoice.number}",
        f"Bilal Ahmed issued {invoice.number} for {rs(4500_00)}",
    ]
    assert other_invoice.number not in page.split('id="audit-trail"')[1]
    assert f'href="/invoices/{invoice.id}"' in page and f'href="/customers/{ali.id}"' in page
    fragment = text(owner_client.get(f"/audit/invoices/{invoice.id}", headers=HX))
    assert fragment.lstrip().startswith('<section class="card audit-trail" id="audit-trail"')


def test_a_payments_trail_has_its_allocations_void_and_the_invoice_voids_that_gave_it_back(
        owner_client, db, team, ali):
    invoice = issue(db, team, ali, 1000_00)
    payment = pay(db, team, ali, 600_00)
    later = pay(db, team, ali, 100_00)
    invoices.void(team.shop, invoice, by=team.owner, reason="wrong customer")
    db.session.commit()
    page = text(owner_client.get(f"/audit/payments/{payment.id}"))
    assert sentences(page) == [
        (f"Ayesha Khan voided {invoice.number}: wrong customer {rs(700_00)} paid on it went back to the "
         "customer's credit."),
        f"Danish Ali set {rs(600_00)} of payment #{payment.id} against {invoice.number}",
        f"Danish Ali recorded payment #{payment.id}: {rs(600_00)} from Ali Raza",
    ]
    assert f"#{later.id}" not in page.split('id="audit-trail"')[1]
    assert f'href="/payments/{payment.id}"' in page


def test_another_shops_invoice_or_payment_is_not_found(owner_client, db, team, make_team):
    other = make_team("Beta Repairs")
    theirs = customers.create_customer(other.shop, by=other.owner, name="Secret Client")
    invoice = issue(db, team, theirs, 7777_00, shop=other.shop, by=other.owner)
    payment = pay(db, team, theirs, 100_00, shop=other.shop, by=other.owner)
    for path in (f"/audit/invoices/{invoice.id}", f"/audit/payments/{payment.id}", "/audit/invoices/999999",
                 "/audit/payments/999999"):
        for headers in ({}, HX):
            response = owner_client.get(path, headers=headers)
            assert response.status_code == 404, path
            assert "Secret Client" not in text(response)


# Every action the services record, with the details they record it with, and the words it reads as.
EVERY_ACTION = [
    ("invoice.draft_deleted", "invoice", {}, "Ayesha Khan deleted a draft invoice"),
    ("job.updated", "job", {"fields": ["title"]}, "Ayesha Khan edited the job #{id}"),
    ("job.photo_added", "job", {"photo_id": 1}, "Ayesha Khan added a photo to #{id}"),
    ("job.photo_deleted", "job", {"photo_id": 1}, "Ayesha Khan removed a photo from #{id}"),
    ("job.moved", "job", {"from_status": "completed", "to_status": "in_progress", "reason": "Sleeves too long"},
     "Ayesha Khan moved #{id} back to In progress: Sleeves too long"),
    ("measurement_template.created", "measurement_template", {"name": "Kurta"},
     "Ayesha Khan made the measurement template Kurta"),
    ("measurement_template.changed", "measurement_template", {"name": "Kurta"},
     "Ayesha Khan changed the measurement template Kurta"),
    ("measurement_template.restored", "measurement_template", {"name": "Kurta"},
     "Ayesha Khan brought back the measurement template Kurta"),
    ("measurement_template.archived", "measurement_template", {"name": "Kurta"},
     "Ayesha Khan archived the measurement template Kurta"),
    ("member.joined", "membership", {"role": "manager", "invitation_id": 1}, "Ayesha Khan joined the shop as Manager"),
    ("member.invitation_revoked", "invitation", {}, "Ayesha Khan cancelled the invitation for #{id}"),
    ("member.revoked", "membership", {"user_id": None, "role": "staff"},
     "Ayesha Khan removed a former member from the shop"),
    ("shop.logo_changed", "shop", {}, "Ayesha Khan changed the shop's logo"),
    ("shop.logo_removed", "shop", {}, "Ayesha Khan removed the shop's logo"),
    ("something.new", "shop", {}, "Ayesha Khan: something.new"),
]


@pytest.mark.parametrize("action, subject_type, details, words", EVERY_ACTION, ids=[row[0] for row in EVERY_ACTION])
def test_every_action_reads_as_a_sentence(owner_client, db, team, action, subject_type, details, words):
    from shopledger.services import audit

    audit.record(team.shop, action, by=team.owner, subject_type=subject_type, subject_id=424242, **details)
    db.session.commit()
    assert words.format(id=424242) in sentences(text(owner_client.get("/audit")))
