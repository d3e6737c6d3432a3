"""Every URL rule, every role: another shop's rows can be neither read, nor changed, nor told to exist."""
from __future__ import annotations

import io
import itertools
import json
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

import phonenumbers
import pytest
import sqlalchemy as sa
from markupsafe import escape
from PIL import Image

from shopledger import create_app
from shopledger.extensions import db as _db
from shopledger.models import Membership, Role
from shopledger.permissions import PERMISSIONS, role_allows
from shopledger.services import accounts
from shopledger.services import members as member_service
from shopledger.services import shops as shop_service
from tests.conftest import TEST_PASSWORD, Client, log_in
from tests.factories import ShopWithTeam

ROLES = list(Role)
NOT_THERE_ID = 999_999
NOT_THERE_TOKEN = "no-such-link-" + "x" * 30
SHARED_PHONE = "0333 5550123"
_serial = itertools.count(1)


def _png(colour: str | None = None) -> bytes:
    """A small picture; without a colour, one unlike any made before, so that no two shops' are alike."""
    number = next(_serial)
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), colour or (number % 256, number // 256 % 256, 128)).save(buffer, format="PNG")
    return buffer.getvalue()


def _commit(row):
    _db.session.commit()
    return row


# ---------------------------------------------------------------------------------------------------
# The registry: for every argument a URL rule can carry, how to make one of a shop's own objects.
# The isolation check calls it with shop B's team (what a member of A must not reach); the role check
# calls it with shop A's team. Each call makes a fresh object, named after its shop so that a page
# showing it shows the shop's name. A rule whose argument is not here fails the isolation check:
# add the argument, e.g.  "invoice_id": lambda team: _new_invoice(team).id
# ---------------------------------------------------------------------------------------------------


def _invite(team: ShopWithTeam, role: Role = Role.STAFF) -> tuple:
    invitation, token = member_service.invite(team.shop, by=team.owner, name=f"Invitee of {team.shop.name}",
                                              role=role)
    return _commit(invitation), token


def _new_membership(team: ShopWithTeam) -> Membership:
    # Staff, not owner: "a shop keeps one owner" would refuse the change even where the shop was forgotten.
    user = accounts.create_user(email=f"extra{next(_serial)}@example.com", name=f"Extra of {team.shop.name}",
                                password=TEST_PASSWORD)
    membership = Membership(shop_id=team.shop.id, user_id=user.id, role=Role.STAFF)
    _db.session.add(membership)
    return _commit(membership)


# The areas' services are imported where they are used: an entry is only called once a rule takes
# its argument, so the registry can name areas before they exist.


def _new_customer(team: ShopWithTeam):
    from shopledger.services import customers as customer_service

    # Every shop's customers share one phone number: a "same phone" warning that forgot the shop shows.
    return _commit(customer_service.create_customer(
        team.shop, by=team.owner, name=f"Customer {next(_serial)} of {team.shop.name}", phone=SHARED_PHONE,
    ))


def _new_template(team: ShopWithTeam):
    from shopledger.services import measurements as measurement_service

    return _commit(measurement_service.save_template(
        team.shop, by=team.owner, name=f"Kurta {next(_serial)} of {team.shop.name}",
        fields_text="Chest, in\nLength, in",
    ))


def _new_job(team: ShopWithTeam):
    from shopledger.services import jobs as job_service

    template = _new_template(team)
    return _commit(job_service.create_job(
        team.shop, _new_customer(team), by=team.owner, title=f"Job {next(_serial)} of {team.shop.name}",
        template=template, measurement_values={field["key"]: "40" for field in template.fields},
    ))


def _new_photo(team: ShopWithTeam):
    from shopledger.services import photos as photo_service

    return _commit(photo_service.add_photo(team.shop, _new_job(team), _png(), by=team.owner))


def _new_invoice(team: ShopWithTeam):
    from datetime import date
    from decimal import Decimal

    from shopledger.services import invoices as invoice_service

    invoice = invoice_service.create_draft(
        team.shop, _new_customer(team), by=team.owner, issue_date=date(2026, 11, 21),
        lines=[invoice_service.LineDraft(f"Line of {team.shop.name}", Decimal(1), 1000_00)],
    )
    invoice_service.issue(team.shop, invoice, by=team.owner)
    return _commit(invoice)


def _new_payment(team: ShopWithTeam):
    from datetime import date

    from shopledger.models import PaymentMethod
    from shopledger.services import payments as payment_service

    invoice = _new_invoice(team)
    payment, _created = payment_service.record(
        team.shop, invoice.customer, by=team.owner, amount_minor=400_00, received_on=date(2026, 11, 21),
        method=PaymentMethod.CASH, reference=f"Paid at {team.shop.name}",
    )
    return _commit(payment)


def _new_outbox_message(team: ShopWithTeam):
    from shopledger.services import mail

    return _commit(mail.queue_email(
        team.shop, to_address=f"customer{next(_serial)}@example.com", to_name=f"Customer of {team.shop.name}",
        subject=f"Invoice from {team.shop.name}", text=f"From {team.shop.name}: https://example.com/x\n",
        html=f"<p>From {team.shop.name}</p>", kind="invoice", locale="en", created_by=team.owner,
    ))


def _new_backup(team: ShopWithTeam) -> str:
    from shopledger.services import backup

    return backup.store_backup(team.shop, kind="manual").name


def _backup_archive(team: ShopWithTeam) -> bytes:
    from shopledger.services import backup

    target = io.BytesIO()
    backup.write_archive(team.shop, target)
    return target.getvalue()


def _new_share_link(team: ShopWithTeam):
    from shopledger.services import links

    return _commit(links.link_for_invoice(team.shop, _new_invoice(team), by=team.owner))


def _any(model_name: str, team: ShopWithTeam) -> int:
    """The id of one of the shop's rows that the world already has (a form must not add rows itself)."""
    from shopledger import models

    model = getattr(models, model_name)
    return _db.session.scalar(sa.select(model.id).where(model.shop_id == team.shop.id).limit(1))


SHOP_OBJECTS: dict[str, Callable[[ShopWithTeam], object]] = {
    "shop_id": lambda team: team.shop.id,
    "membership_id": lambda team: _new_membership(team).id,
    "invitation_id": lambda team: _invite(team)[0].id,
    "token": lambda team: _invite(team)[1],
    "customer_id": lambda team: _new_customer(team).id,
    "template_id": lambda team: _new_template(team).id,
    "job_id": lambda team: _new_job(team).id,
    "photo_id": lambda team: _new_photo(team).id,
    "invoice_id": lambda team: _new_invoice(team).id,
    "payment_id": lambda team: _new_payment(team).id,
    "outbox_message_id": lambda team: _new_outbox_message(team).id,
    "link_id": lambda team: _new_share_link(team).id,
    "share_token": lambda team: _new_share_link(team).token,  # a public link to one of the shop's invoices
    "backup_name": _new_backup,  # the name of one of the shop's kept backups (data.download_backup)
}

# Endpoints whose argument is a capability, not a shop's id: holding it is the permission, so "another
# shop's member gets 404" does not apply. Each has a test of its own below.
CAPABILITY_ENDPOINTS = {
    "auth.invitation": "whoever holds an invitation link may join the shop that made it; "
                       "see test_another_shops_invitation_link_joins_that_shop_and_nothing_else",
    "auth.reset_password": "whoever holds a password reset link (sent to the account's email) may set that "
                           "account's password; see tests/mail/test_password_reset.py",
    **{endpoint: "whoever holds a link to an invoice, receipt or statement may see it (and its PDF, and its shop's "
                 "logo); see tests/blueprints/test_public_routes.py"
       for endpoint in ("public.show", "public.download", "public.logo")},
}
# What a capability link shows of the shop that made it, besides its name: a public invoice page says how to
# pay the shop and how to reach it, and carries its logo. Never its members, address or anything else.
CAPABILITY_SHOWS = {
    endpoint: {"shop name", "phone", "phone as written", "payment instructions", "logo image"}
    for endpoint in ("public.show", "public.download", "public.logo")
}

# What the endpoint's form would send, so that a route that forgot the shop or the role really acts
# and the database check sees it. Endpoints not listed get only the CSRF token.
_TAKEN_OVER = "Taken Over"
_INVOICE_FORM = {"issue_date": "2026-11-21", "terms": "on_receipt", "lines-0-description": _TAKEN_OVER,
                 "lines-0-quantity": "1", "lines-0-unit_price": "999"}
FORM_DATA: dict[str, Callable[[ShopWithTeam], dict]] = {
    "members.invite": lambda team: {"name": "Uninvited Guest", "role": Role.OWNER.value},
    "members.change_role": lambda team: {"role": Role.OWNER.value},
    "settings.update": lambda team: {
        "name": _TAKEN_OVER, "phone": "", "address": "", "country": "PK", "currency": "PKR",
        "timezone": "Asia/Karachi", "default_locale": "en", "invoice_prefix": "HACK", "payment_instructions": "",
    },
    "settings.upload_logo": lambda team: {"logo": (io.BytesIO(_png("black")), "logo.png")},
    "customers.create": lambda team: {"name": _TAKEN_OVER, "preferred_locale": "en"},
    "customers.update": lambda team: {"name": _TAKEN_OVER, "preferred_locale": "en"},
    "jobs.create": lambda team: {"customer_id": _any("Customer", team), "title": _TAKEN_OVER},
    "jobs.update": lambda team: {"title": _TAKEN_OVER},
    "jobs.move": lambda team: {"to": "completed"},
    "jobs.add_photos": lambda team: {"photos": (io.BytesIO(_png("black")), "photo.png")},
    "jobs.add_note": lambda team: {"body": _TAKEN_OVER},
    "measurements.create": lambda team: {"name": _TAKEN_OVER, "fields": "Chest, in"},
    "measurements.update": lambda team: {"name": _TAKEN_OVER, "fields": "Chest, in"},
    "invoices.create": lambda team: {"customer_id": _any("Customer", team), **_INVOICE_FORM},
    "invoices.update": lambda team: dict(_INVOICE_FORM),
    "invoices.preview": lambda team: {"customer_id": _any("Customer", team), **_INVOICE_FORM},
    "invoices.void": lambda team: {"reason": _TAKEN_OVER},
    "invoices.correct": lambda team: {"reason": _TAKEN_OVER},
    "invoices.credit_sale": lambda team: {"customer_id": _any("Customer", team), "amount": "999", "note": _TAKEN_OVER},
    "payments.create": lambda team: {"customer_id": _any("Customer", team), "amount": "999", "method": "cash",
                                     "received_on": "2026-11-21", "allocate": "auto", "reference": _TAKEN_OVER},
    "payments.quick": lambda team: {"customer_id": _any("Customer", team), "amount": "999", "method": "cash"},
    "payments.void": lambda team: {"reason": _TAKEN_OVER},
    "links.shared": lambda team: {"channel": "whatsapp"},
    "reminders.remind": lambda team: {"channel": "whatsapp"},
    "data.preview_import": lambda team: {"file": (io.BytesIO(f"Name,Phone\n{_TAKEN_OVER},{SHARED_PHONE}\n".encode()),
                                                  "customers.csv")},
    "data.restore": lambda team: {"archive": (io.BytesIO(_backup_archive(team)), "backup.zip")},
}

# Query strings that make a page list rows, so that a list or search that forgot the shop shows B's.
PAGE_QUERIES: dict[str, dict[str, str]] = {
    "customers.index": {"q": "Customer"},
    "customers.phone_check": {"phone": SHARED_PHONE},
    "invoices.index": {"q": "Customer"},
    "data.download": {"what": "customers"},  # every customer's name and phone, as a CSV
    # The reports list customers by name (by customer; aging lists them as of today without a query).
    **{endpoint: {"from": "2026-01-01", "to": "2026-12-31", "by": "customer"}
       for endpoint in ("reports.sales", "reports.sales_csv", "reports.sales_pdf")},
    **{endpoint: {"from": "2026-01-01", "to": "2026-12-31", "by": "day"}
       for endpoint in ("reports.payments", "reports.payments_csv", "reports.payments_pdf")},
    **{endpoint: {"from": "2026-01-01", "to": "2026-12-31"}
       for endpoint in ("reports.jobs", "reports.jobs_csv", "reports.jobs_pdf")},
    "main.home": {"chart": "months"},
}

# Reachable without logging in. Every other endpoint must send a visitor to the login page.
PUBLIC_ENDPOINTS = {
    "auth.login": "the login page",
    "auth.signup": "making a new account and shop",
    "auth.invitation": "an invitation link is opened before its holder has an account",
    "main.language": "the language toggle works before logging in",
    "auth.forgot_password": "asking for a password reset link, logged out by definition",
    "public.show": "a customer opens the link to their invoice, receipt or statement without an account",
    "public.download": "the PDF of that invoice, receipt or statement",
    "public.logo": "the logo of the shop that made the link, drawn on its page",
    "auth.reset_password": "a password reset link is opened by someone who cannot log in",
    "healthz": "the load balancer's health check",
    "pwa.manifest": "the web app manifest: the browser fetches it without cookies",
    "pwa.service_worker": "the service worker's script, the same for everyone",
    "pwa.offline": "the offline page, the same for everyone, kept by the service worker",
}

# Endpoints without @requires(...). Whatever shows or changes a shop's data carries a permission from
# shopledger.permissions.PERMISSIONS; these say why they need none.
NO_PERMISSION_NEEDED = {
    "main.home": "every member sees their shop's home (shop.view is everyone's)",
    "main.more": "every member sees the More menu; each link checks its own permission",
    "main.language": "the user's own language",
    "auth.login": "public", "auth.signup": "public", "auth.invitation": "a capability link",
    "auth.logout": "the user's own session",
    "auth.forgot_password": "public", "auth.reset_password": "a capability link",
    "public.show": "a capability link", "public.download": "a capability link", "public.logo": "a capability link",
    "account.edit": "the user's own profile", "account.password": "the user's own password",
    "shops.index": "the user's own memberships", "shops.new": "any user may make a shop",
    "shops.switch": "only among the user's own memberships",
    "settings.logo": "every member sees the shop's logo in the header",
    "healthz": "public",
    "pwa.manifest": "public", "pwa.service_worker": "public", "pwa.offline": "public",
    "pwa.session_state": "the member's own CSRF token, for sending what their phone kept offline",
}


# ---------------------------------------------------------------------------------------------------
# The rules, read at collection time from a throwaway app.
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleCase:
    endpoint: str
    rule: str
    methods: tuple[str, ...]
    arguments: tuple[str, ...]
    permission: str | None

    def __str__(self) -> str:
        return self.endpoint


def _rule_cases(app) -> list[RuleCase]:
    cases = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        cases.append(RuleCase(
            endpoint=rule.endpoint,
            rule=rule.rule,
            methods=tuple(method for method in ("GET", "POST") if method in rule.methods),
            arguments=tuple(sorted(rule.arguments)),
            permission=getattr(app.view_functions[rule.endpoint], "required_permission", None),
        ))
    return sorted(cases, key=lambda case: (case.endpoint, case.rule))


def _collect_rules() -> list[RuleCase]:
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({
            "TESTING": True, "SHOPLEDGER_ENV": "test", "SECRET_KEY": "collection-only",
            "DATABASE_URL": f"sqlite:///{folder}/unused.db", "INSTANCE_PATH": folder,
        })
        return _rule_cases(app)


RULES = _collect_rules()
ID_RULES = [case for case in RULES if case.arguments and case.endpoint not in CAPABILITY_ENDPOINTS]
GET_RULES = [case for case in RULES if "GET" in case.methods and case.endpoint not in CAPABILITY_ENDPOINTS]
PAGE_RULES = [case for case in GET_RULES if not case.arguments]
GUARDED_RULES = [case for case in RULES if case.permission]
# The registry's entries that some rule takes: the world has one object of each, and the query and
# form checks try each kind of id.
IN_USE = {name: make for name, make in SHOP_OBJECTS.items() if any(name in case.arguments for case in RULES)}


def _role_id(role: Role) -> str:
    return role.value


def _case(endpoint: str) -> RuleCase:
    return next(case for case in RULES if case.endpoint == endpoint)


# ---------------------------------------------------------------------------------------------------
# The world: shops A and B, a member of every role in each, settings, a logo, and one of every object
# in the registry; and what identifies each shop, so that a page can be searched for it.
# ---------------------------------------------------------------------------------------------------


@dataclass
class Side:
    team: ShopWithTeam
    secrets: dict[str, bytes]  # by what it is: "address", "viewer's email", "a job photo"


def _dress(team: ShopWithTeam, *, phone: str, address: str, payment: str, colour: str) -> Side:
    shop = team.shop
    shop_service.update_settings(shop, by=team.owner, phone=phone, address=address, payment_instructions=payment)
    shop_service.set_logo(shop, _png(colour), by=team.owner)
    _db.session.commit()
    made = {name: make(team) for name, make in IN_USE.items()}
    national = phonenumbers.format_number(phonenumbers.parse(shop.phone), phonenumbers.PhoneNumberFormat.NATIONAL)
    secrets = {
        "shop name": shop.name, "address": address, "payment instructions": payment,
        "phone": shop.phone, "phone as written": national, "logo link": shop.logo_filename[:8],
    }
    for role in ROLES:
        secrets[f"{role.value}'s name"] = team.member(role).name
        secrets[f"{role.value}'s email"] = team.member(role).email
    encoded = {label: value.encode() for label, value in secrets.items()}
    encoded["logo image"] = shop_service.logo_path(shop).read_bytes()
    if "photo_id" in made:
        from shopledger.models import JobPhoto
        from shopledger.services import photos as photo_service

        photo = _db.session.get(JobPhoto, made["photo_id"])
        encoded["job photo"] = photo_service.photo_path(shop, photo).read_bytes()
        encoded["job photo thumbnail"] = photo_service.photo_path(shop, photo, thumbnail=True).read_bytes()
    return Side(team=team, secrets=encoded)


@pytest.fixture
def world(two_shops) -> tuple[Side, Side]:
    a, b = two_shops
    return (
        _dress(a, phone="0300 1234567", address="Shop 3, Anarkali Bazaar, Lahore",
               payment="Meezan Bank 0101-2222-3333", colour="green"),
        _dress(b, phone="0321 7654321", address="Plot 7, Bolton Market, Karachi",
               payment="JazzCash account 0345-9876543", colour="red"),
    )


@pytest.fixture
def new_browser(app, db, monkeypatch) -> Callable[[], Client]:
    # A crash answers 500 as in production, so the check can say which request it was (the traceback
    # is in the captured log), and goes on to the other rules.
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    return app.test_client


def _logged_in(new_browser, user) -> Client:
    browser = new_browser()
    log_in(browser, user.email)
    return browser


# ---------------------------------------------------------------------------------------------------
# Sending, describing and comparing answers; the state of the database.
# ---------------------------------------------------------------------------------------------------

SHAPES = {"page": {}, "fragment": {"HX-Request": "true"}}
# Tokens that differ on every render: the CSRF token and a payment form's idempotency key.
CSRF_VALUE = re.compile(r'(name="csrf_token" (?:type="hidden" )?value=")[^"]+|("X-CSRFToken": ")[^"]+'
                        r'|(name="idempotency_key" type="hidden" value=")[^"]+')
REDIRECTS = {301, 302, 303, 307, 308}


def _unknown_arguments(case: RuleCase) -> str | None:
    unknown = [name for name in case.arguments if name not in SHOP_OBJECTS]
    if not unknown:
        return None
    return (f"{case.endpoint} ({case.rule}) takes {', '.join(map(repr, unknown))}, which the isolation registry "
            f"does not know. Add it to SHOP_OBJECTS in tests/test_isolation.py: a function that takes a team and "
            f"makes one of team.shop's objects for that argument, so this route is tried with another shop's ids.")


class Objects:
    """A team's objects for URL arguments, made on first use and kept until a request may have changed them."""

    def __init__(self, team: ShopWithTeam):
        self.team, self.made = team, {}

    def __getitem__(self, name: str) -> object:
        if name not in self.made:
            self.made[name] = SHOP_OBJECTS[name](self.team)
        return self.made[name]

    def for_case(self, case: RuleCase) -> dict[str, object]:
        return {name: self[name] for name in case.arguments}

    def forget(self) -> None:
        self.made.clear()


def _not_there(value: object) -> object:
    return NOT_THERE_ID if isinstance(value, int) else NOT_THERE_TOKEN


def _path(app, case: RuleCase, values: dict[str, object], query: dict | None = None) -> str:
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == case.endpoint and r.rule == case.rule)
    path = rule.build(values, append_unknown=False)[1]
    return f"{path}?{urlencode(query)}" if query else path


def _form(case: RuleCase, team: ShopWithTeam) -> dict:
    make = FORM_DATA.get(case.endpoint)
    return make(team) if make else {}


def _send(client: Client, method: str, path: str, *, shape: str = "page", data: dict | None = None):
    if method == "GET":
        response = client.get(path, headers=SHAPES[shape])
    else:
        # The session's token serves every form until the session changes: fetch it once, not per POST.
        if not getattr(client, "isolation_csrf", None):
            client.isolation_csrf = client.csrf_token()
        data = {"csrf_token": client.isolation_csrf, **(data or {})}
        response = client.post(path, headers=SHAPES[shape], data=data)
    response.get_data()
    response.close()  # a sent file (a logo, a photo) is closed now, not whenever it is collected
    return response


def _describe(response) -> str:
    described = response.status
    location = response.headers.get("Location") or response.headers.get("HX-Redirect")
    if location:
        described += f" to {location}"
    if response.mimetype.startswith("text/"):
        text = response.get_data(as_text=True)
        if "<main" in text:
            text = text.split("<main", 1)[1].split(">", 1)[-1]
        plain = " ".join(re.sub(r"<[^>]+>", " ", text).split())
        if plain:
            described += f" «{plain[:160]}»"
    return described


def _normalised(response, masks: list[str]) -> list[str]:
    body = response.get_data(as_text=True) if response.mimetype.startswith("text/") else repr(response.get_data())
    body = CSRF_VALUE.sub(lambda m: (m.group(1) or m.group(2) or m.group(3)) + "<csrf>", body)
    for mask in masks:
        body = body.replace(mask, "<masked>")
    headers = [f"{name}: {value}" for name, value in sorted(response.headers.items())
               if name in ("Location", "Content-Type", "Vary") or name.startswith("HX-")]
    return [str(response.status_code), *headers, *body.splitlines()]


def _asked(path: str, query: dict | None = None, method: str = "GET") -> list[str]:
    """What a page may repeat of its own request, which is no leak: the language toggle sends back
    request.full_path on a GET and request.path on a POST; a link may keep the query's ids."""
    shown = path if method == "POST" or "?" in path else f"{path}?"
    return [shown, str(escape(shown)), *(f"{name}={value}" for name, value in (query or {}).items())]


def _difference(got, baseline, *, masks: tuple[list[str], list[str]]) -> str | None:
    """Say how two answers differ once what was asked for and the CSRF token are set aside; None if not."""
    mine, theirs = _normalised(got, masks[0]), _normalised(baseline, masks[1])
    if mine == theirs:
        return None
    for number, (this, that) in enumerate(itertools.zip_longest(mine, theirs, fillvalue="")):
        if this != that:
            return f"line {number}: {this.strip()[:150]!r} against {that.strip()[:150]!r}"
    return "the answers differ"


def _leaks(response, side: Side, *, allowed: frozenset[str] = frozenset()) -> list[str]:
    seen = response.get_data() + "\n".join(f"{k}: {v}" for k, v in response.headers.items()).encode()
    return [label for label, secret in side.secrets.items() if label not in allowed and secret in seen]


def _plain(value):
    return json.dumps(value, sort_keys=True, default=str) if isinstance(value, (dict, list)) else value


def _snapshot(shop_id: int | None = None) -> dict[str, tuple[tuple[str, ...], set[tuple]]]:
    """Every row of every table (or only one shop's rows), read on a connection of its own."""
    tables = {}
    with _db.engine.connect() as connection:
        for table in _db.metadata.sorted_tables:
            query = sa.select(table)
            if shop_id is not None:
                column = table.c.get("shop_id", table.c.id if table.name == "shops" else None)
                if column is None:
                    continue
                query = query.where(column == shop_id)
            rows = connection.execute(query).all()
            tables[table.name] = (tuple(table.columns.keys()), {tuple(map(_plain, row)) for row in rows})
    return tables


def _changes(before, after) -> dict[str, dict[str, list[dict]]]:
    changes = {}
    for name, (columns, rows) in before.items():
        added, removed = after[name][1] - rows, rows - after[name][1]
        if added or removed:
            changes[name] = {
                "added": [dict(zip(columns, row)) for row in sorted(added, key=repr)],
                "removed": [dict(zip(columns, row)) for row in sorted(removed, key=repr)],
            }
    return changes


def _changes_text(changes) -> str:
    lines = []
    for name, change in changes.items():
        lines += [f"    {name}: removed {row}" for row in change["removed"][:3]]
        lines += [f"    {name}: added {row}" for row in change["added"][:3]]
    return "\n".join(lines)


def _report(problems: list[str]) -> None:
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


# ---------------------------------------------------------------------------------------------------
# The checks. Each role is one test that tries every rule and reports every failure at once, naming
# the rule, method and answer: one test per rule and role would build the world a few hundred times.
# ---------------------------------------------------------------------------------------------------


def test_the_checked_rules_are_the_apps_rules(app):
    assert _rule_cases(app) == RULES, "the app under test has other URL rules than the one read at collection"


def _try_foreign_ids(case: RuleCase, role: Role, *, mine: Objects, theirs: Objects, b: Side, browser: Client,
                     app) -> list[str]:
    own, foreign = mine.for_case(case), theirs.for_case(case)
    # All of B's ids; and, on a nested route, A's parent with one of B's children (or the reverse).
    variants = [set(case.arguments)]
    if len(case.arguments) > 1:
        variants += [{name} for name in case.arguments]
    refused = case.permission is not None and not role_allows(role, case.permission)
    before = _snapshot()
    problems = []
    for method in case.methods:
        for shape in SHAPES:
            for foreign_names in variants:
                values = {name: foreign[name] if name in foreign_names else own[name] for name in case.arguments}
                missing = {name: _not_there(foreign[name]) if name in foreign_names else own[name]
                           for name in case.arguments}
                path, missing_path = _path(app, case, values), _path(app, case, missing)
                got = _send(browser, method, path, shape=shape, data=_form(case, b.team))
                baseline = _send(browser, method, missing_path, shape=shape, data=_form(case, b.team))
                where = (f"{case.endpoint}: {method} {path} ({shape}) as shop A's {role.value} "
                         f"with shop B's {', '.join(sorted(foreign_names))}")
                # Even a role that may not use the route hears 404: "not yours" is answered before "not allowed".
                if got.status_code != 404:
                    problems.append(f"{where} answered {_describe(got)}; expected 404")
                difference = _difference(got, baseline, masks=(_asked(path, method=method),
                                                               _asked(missing_path, method=method)))
                if difference:
                    problems.append(f"{where}: told apart from an id that does not exist ({missing_path} "
                                    f"answered {_describe(baseline)}): {difference}")
                leaked = _leaks(got, b)
                if leaked:
                    problems.append(f"{where}: the answer shows shop B's {', '.join(leaked)}")
    changes = _changes(before, _snapshot())
    if changes:
        problems.append(f"{case.endpoint} as shop A's {role.value}: requests with shop B's ids changed the "
                        f"database:\n{_changes_text(changes)}")
    if not refused and not problems:
        # The control: A's own ids are no 404, so the 404s above came from the shop and not the request.
        path = _path(app, case, own)
        got = _send(browser, case.methods[0], path, data=_form(case, mine.team))
        mine.forget()
        if got.status_code in (404, 405) or got.status_code >= 500:
            problems.append(f"{case.endpoint}: {case.methods[0]} {path} with shop A's own {own} as its "
                            f"{role.value} answered {_describe(got)}, so the 404s above prove nothing; fix "
                            f"SHOP_OBJECTS or FORM_DATA for this rule")
        _send(browser, "GET", _path(app, _case("account.edit"), {}))  # its flash shows here, not on the next page
    return problems


@pytest.mark.parametrize("role", ROLES, ids=_role_id)
def test_another_shops_ids_answer_exactly_like_missing_ones(role, world, new_browser, app):
    """Every rule with an argument, every method, page and fragment: shop B's ids answer 404, the very
    same 404 as an id that exists nowhere, show nothing of B, and change nothing anywhere."""
    a, b = world
    browser = _logged_in(new_browser, a.team.member(role))
    mine, theirs = Objects(a.team), Objects(b.team)
    problems = []
    for case in ID_RULES:
        unknown = _unknown_arguments(case)
        problems += [unknown] if unknown else _try_foreign_ids(case, role, mine=mine, theirs=theirs, b=b,
                                                               browser=browser, app=app)
    _report(problems)


@pytest.mark.parametrize("role", ROLES, ids=_role_id)
def test_no_page_shows_another_shops_data(role, world, new_browser, app):
    """Every rule without arguments, as a page and as a fragment, with and without a query that lists rows."""
    a, b = world
    browser = _logged_in(new_browser, a.team.member(role))
    problems = []
    for case in PAGE_RULES:
        for query in ({}, PAGE_QUERIES.get(case.endpoint)):
            if query is None:
                continue
            path = _path(app, case, {}, query)
            for shape in SHAPES:
                got = _send(browser, "GET", path, shape=shape)
                where = f"{case.endpoint}: GET {path} ({shape}) as shop A's {role.value}"
                if got.status_code >= 500:
                    problems.append(f"{where} answered {_describe(got)}")
                leaked = _leaks(got, b)
                if leaked:
                    problems.append(f"{where} shows shop B's {', '.join(leaked)}")
    _report(problems)


def test_ids_in_the_query_string_are_scoped_too(world, new_browser, app):
    """Every GET, as A's owner, with ids in the query string (?customer_id=...): B's ids answer exactly
    as ids that do not exist; one at a time wherever the page reads any of them."""
    a, b = world
    browser = _logged_in(new_browser, a.team.owner)
    foreign = {name: make(b.team) for name, make in IN_USE.items()}
    foreign = {name: value for name, value in foreign.items() if isinstance(value, int)}
    own = Objects(a.team)
    problems = []

    def compare(case, values, query):
        missing = {name: NOT_THERE_ID for name in query}
        path, missing_path = _path(app, case, values, query), _path(app, case, values, missing)
        got, baseline = _send(browser, "GET", path), _send(browser, "GET", missing_path)
        where = f"{case.endpoint}: GET {path} as shop A's owner, with shop B's {', '.join(query)}"
        difference = _difference(got, baseline, masks=(_asked(path, query), _asked(missing_path, missing)))
        if difference:
            problems.append(f"{where}: told apart from ids that do not exist ({missing_path} answered "
                            f"{_describe(baseline)}, this {_describe(got)}): {difference}")
        leaked = _leaks(got, b)
        if leaked:
            problems.append(f"{where} shows shop B's {', '.join(leaked)}")
        return baseline

    for case in GET_RULES:
        if _unknown_arguments(case):
            continue  # reported by the isolation check
        values = own.for_case(case)
        plain_path = _path(app, case, values)
        plain = _send(browser, "GET", plain_path)
        all_missing = compare(case, values, foreign)
        missing_query = {name: NOT_THERE_ID for name in foreign}
        if _difference(plain, all_missing, masks=(_asked(plain_path), _asked(
                _path(app, case, values, missing_query), missing_query))):
            # The page reads some of these: each alone, so that one refused id cannot hide another.
            for name, value in foreign.items():
                compare(case, values, {name: value})
    _report(problems)


def test_ids_in_forms_are_scoped_too(world, new_browser, app):
    """Every POST that needs a permission, as A's owner, with ids in the form (customer_id=...): B's ids
    are answered as ids that do not exist would be, and nothing of B's changes."""
    a, b = world
    browser = _logged_in(new_browser, a.team.owner)
    foreign = {name: make(b.team) for name, make in IN_USE.items()}
    foreign = {name: value for name, value in foreign.items() if isinstance(value, int)}
    before = _snapshot(shop_id=b.team.shop.id)
    problems = []

    def post(case, ids):
        # A's objects afresh for every post: the one before may have changed or removed them.
        path = _path(app, case, Objects(a.team).for_case(case))
        got = _send(browser, "POST", path, data={**_form(case, a.team), **ids})
        leaked = _leaks(got, b)
        if leaked:
            problems.append(f"{case.endpoint}: POST {path} as shop A's owner with shop B's {', '.join(ids)} "
                            f"in the form shows shop B's {', '.join(leaked)}")
        return path, got

    for case in GUARDED_RULES:
        if "POST" not in case.methods or _unknown_arguments(case):
            continue
        statuses = {post(case, ids)[1].status_code
                    for ids in ({}, foreign, {name: NOT_THERE_ID for name in foreign})}
        if len(statuses) == 1:
            continue  # the form's ids make no difference here
        for name, value in foreign.items():
            (path, got), (_, baseline) = post(case, {name: value}), post(case, {name: NOT_THERE_ID})
            if got.status_code != baseline.status_code:
                problems.append(f"{case.endpoint}: POST {path} as shop A's owner with shop B's {name}={value} in "
                                f"the form answered {_describe(got)}; with {name}={NOT_THERE_ID}, "
                                f"{_describe(baseline)}")
    changes = _changes(before, _snapshot(shop_id=b.team.shop.id))
    if changes:
        problems.append(f"posting shop B's ids in A's forms changed B's rows:\n{_changes_text(changes)}")
    _report(problems)


def test_anonymous_visitors_reach_only_public_endpoints(world, new_browser, app):
    """Every rule and method without logging in: the login page, unless the endpoint is public."""
    a, b = world
    login_path = _path(app, _case("auth.login"), {})
    foreign = Objects(b.team)
    problems = []
    for case in RULES:
        unknown = _unknown_arguments(case)
        if unknown:
            problems.append(unknown)
            continue
        path = _path(app, case, foreign.for_case(case))
        for method in case.methods:
            got = _send(new_browser(), method, path, data=_form(case, b.team))
            where = f"{case.endpoint}: {method} {path} without logging in"
            if case.endpoint in PUBLIC_ENDPOINTS:
                if got.status_code >= 500:
                    problems.append(f"{where} answered {_describe(got)}")
                for name, side in (("A", a), ("B", b)):
                    # A capability link names the shop it lets one join (B's, here), and nothing more.
                    named = (CAPABILITY_SHOWS.get(case.endpoint, {"shop name"})
                             if name == "B" and case.endpoint in CAPABILITY_ENDPOINTS else set())
                    leaked = _leaks(got, side, allowed=frozenset(named))
                    if leaked:
                        problems.append(f"{where} shows shop {name}'s {', '.join(leaked)}")
            elif not (
                got.status_code in (401, 404)
                or (got.status_code in REDIRECTS and urlsplit(got.headers.get("Location", "")).path == login_path)
            ):
                problems.append(f"{where} answered {_describe(got)}; every endpoint must send a visitor to "
                                f"{login_path} (or answer 401/404) unless it is in PUBLIC_ENDPOINTS in "
                                f"tests/test_isolation.py")
    _report(problems)


def test_the_exemption_lists_name_real_endpoints():
    # A stale exemption would quietly exempt the next endpoint to take its name.
    endpoints = {case.endpoint for case in RULES}
    for name, listed in (("PUBLIC_ENDPOINTS", PUBLIC_ENDPOINTS), ("NO_PERMISSION_NEEDED", NO_PERMISSION_NEEDED),
                         ("CAPABILITY_ENDPOINTS", CAPABILITY_ENDPOINTS)):
        assert not set(listed) - endpoints, f"{name} names endpoints that no longer exist: {set(listed) - endpoints}"


def test_every_endpoint_requires_a_permission_or_says_why_not():
    unguarded = sorted(c.endpoint for c in RULES if c.permission is None and c.endpoint not in NO_PERMISSION_NEEDED)
    assert not unguarded, (
        f"No @requires(...) on {', '.join(unguarded)}. Add the permission from shopledger.permissions."
        f"PERMISSIONS, or, if the view touches no shop data, list it in NO_PERMISSION_NEEDED with the reason."
    )
    unknown = sorted({c.permission for c in RULES if c.permission and c.permission not in PERMISSIONS})
    assert not unknown, f"views require permissions that PERMISSIONS does not list: {unknown}"


@pytest.mark.parametrize("role", ROLES, ids=_role_id)
def test_each_role_may_do_exactly_what_permissions_allow(role, world, new_browser, app):
    """Every rule with @requires, on the member's own shop: 403 and no change where PERMISSIONS refuses
    the role, anything but 403 where it allows it."""
    a, _ = world
    browser = _logged_in(new_browser, a.team.member(role))
    own = Objects(a.team)
    problems = []
    for case in GUARDED_RULES:
        if _unknown_arguments(case):
            continue  # reported by the isolation check
        allowed = role_allows(role, case.permission)
        path = _path(app, case, own.for_case(case))
        before = _snapshot()
        for method in case.methods:
            got = _send(browser, method, path, data=_form(case, a.team))
            who = ", ".join(r.value for r in ROLES if role_allows(r, case.permission))
            where = f"{case.endpoint}: {method} {path} as shop A's own {role.value} ({case.permission}: {who})"
            if allowed and (got.status_code in (401, 403, 404) or got.status_code >= 500):
                problems.append(f"{where} answered {_describe(got)}")
            if not allowed and got.status_code != 403:
                problems.append(f"{where} answered {_describe(got)}; expected 403")
        if allowed and "POST" in case.methods:
            own.forget()
        changes = _changes(before, _snapshot())
        if not allowed and changes:
            problems.append(f"{case.endpoint}, refused to a {role.value}, changed the database:\n"
                            f"{_changes_text(changes)}")
    _report(problems)


@pytest.mark.parametrize("role", ROLES, ids=_role_id)
def test_another_shops_invitation_link_joins_that_shop_and_nothing_else(role, world, new_browser, app):
    """An invitation token is a capability: whoever holds B's link may join B, by design.

    What must hold for a member of A who opens it: the page names B and the role on offer and shows
    nothing else of B; accepting adds exactly one membership, in B, with the invited role; their place
    in A, and everything else in A and B, is untouched; and the used link then answers exactly like a
    link that never existed, to anyone.
    """
    a, b = world
    user = a.team.member(role)
    invitation, token = _invite(b.team, Role.OWNER)
    invitation_id = invitation.id
    path = _path(app, _case("auth.invitation"), {"token": token})
    missing_path = _path(app, _case("auth.invitation"), {"token": NOT_THERE_TOKEN})
    browser = _logged_in(new_browser, user)
    before = _snapshot()

    page = _send(browser, "GET", path)
    assert page.status_code == 200, f"GET {path} as A's {role.value} answered {_describe(page)}"
    assert b.secrets["shop name"] in page.get_data(), "the invitation page does not say which shop it is for"
    leaked = _leaks(page, b, allowed=frozenset({"shop name"}))
    assert not leaked, f"B's invitation page, opened by A's {role.value}, shows B's {', '.join(leaked)}"

    accepted = _send(browser, "POST", path)
    assert accepted.status_code in REDIRECTS, f"accepting as A's {role.value} answered {_describe(accepted)}"

    nothing = {"added": [], "removed": []}
    changes = _changes(before, _snapshot())
    memberships = changes.pop("memberships", nothing)
    assert not memberships["removed"], f"accepting B's link removed or changed memberships: {memberships['removed']}"
    assert [(m["shop_id"], m["user_id"], m["role"]) for m in memberships["added"]] == [
        (b.team.shop.id, user.id, Role.OWNER)
    ], f"accepting B's owner invitation as A's {role.value} must add one owner membership, in B: {memberships}"
    invitations = changes.pop("invitations", nothing)
    assert {row["id"] for row in invitations["added"] + invitations["removed"]} == {invitation_id}, (
        f"accepting changed other invitations: {invitations}"
    )
    users = changes.pop("users", nothing)
    assert [(u["id"], u["last_shop_id"]) for u in users["added"]] == [(user.id, b.team.shop.id)], (
        f"accepting changed users other than by moving the new member to B: {users}"
    )
    audit = changes.pop("audit_events", nothing)
    assert not audit["removed"] and {e["shop_id"] for e in audit["added"]} == {b.team.shop.id}, (
        f"accepting B's link wrote to another shop's audit trail: {audit}"
    )
    shops_changed = changes.pop("shops", nothing)
    assert [(s["id"], s["data_version"]) for s in shops_changed["added"]] == [
        (s["id"], s["data_version"] + 1) for s in shops_changed["removed"]
    ] and {s["id"] for s in shops_changed["added"]} == {b.team.shop.id}, (
        f"accepting B's link changed a shop other than by raising B's data version: {shops_changed}"
    )
    assert not changes, f"accepting B's link changed more than that:\n{_changes_text(changes)}"

    # Used now: to another member of A, and to a visitor, it is the same as a link that never was.
    other = _logged_in(new_browser, a.team.member(next(r for r in ROLES if r != role)))
    after_accepting = _snapshot()
    for client, who in ((other, "another member of A"), (new_browser(), "a visitor")):
        for method in ("GET", "POST"):
            got, baseline = _send(client, method, path), _send(client, method, missing_path)
            assert got.status_code == 404, f"{method} of a used link by {who} answered {_describe(got)}"
            difference = _difference(got, baseline, masks=(_asked(path, method=method),
                                                           _asked(missing_path, method=method)))
            assert difference is None, f"{method} of a used link by {who} differs from an unknown link: {difference}"
    changes = _changes(after_accepting, _snapshot())
    assert not changes, f"using a used link again changed the database:\n{_changes_text(changes)}"
