"""What each role may do: the one place that says so."""
from __future__ import annotations

from functools import wraps

from flask import abort, g
from flask_babel import lazy_gettext as _l

from .models import Role

OWNER, MANAGER, STAFF, VIEWER = Role.OWNER, Role.MANAGER, Role.STAFF, Role.VIEWER
EVERYONE = frozenset(Role)

# An action that is not listed here is allowed to nobody.
PERMISSIONS: dict[str, frozenset[Role]] = {
    "shop.view": EVERYONE,
    "shop.edit_settings": frozenset({OWNER}),
    "members.view": frozenset({OWNER, MANAGER}),
    "members.manage": frozenset({OWNER}),
    "audit.view": frozenset({OWNER}),
    # The areas below are used by the customers, jobs, invoices and payments blueprints.
    "customers.view": EVERYONE,
    "customers.edit": frozenset({OWNER, MANAGER, STAFF}),
    "customers.delete": frozenset({OWNER, MANAGER}),
    "jobs.view": EVERYONE,
    "jobs.edit": frozenset({OWNER, MANAGER, STAFF}),
    "measurements.manage": frozenset({OWNER, MANAGER}),
    "invoices.view": EVERYONE,
    "invoices.edit": frozenset({OWNER, MANAGER, STAFF}),
    "invoices.void": frozenset({OWNER, MANAGER}),
    "payments.view": EVERYONE,
    "payments.record": frozenset({OWNER, MANAGER, STAFF}),
    "payments.void": frozenset({OWNER, MANAGER}),
    "reports.view": frozenset({OWNER, MANAGER}),
    "backup.manage": frozenset({OWNER}),
    # The Export page's CSVs hold every customer's phone and the whole book; the import adds customers and
    # their balances in bulk: the people who run the shop, not everyone at the counter.
    "data.export": frozenset({OWNER, MANAGER}),
    "data.import": frozenset({OWNER, MANAGER}),
    # The email outbox: messages waiting to be sent, held without SMTP, or failed.
    "outbox.view": frozenset({OWNER, MANAGER}),
    "outbox.send": frozenset({OWNER, MANAGER}),
    # Sending invoice, receipt and statement links, reminding by hand, stopping a link.
    "links.share": frozenset({OWNER, MANAGER, STAFF}),
    "reminders.view": EVERYONE,
    # The day's summary goes to the owner and the managers.
    "notifications.view": frozenset({OWNER, MANAGER}),
}

ROLE_LABELS = {
    OWNER: _l("Owner"),
    MANAGER: _l("Manager"),
    STAFF: _l("Staff"),
    VIEWER: _l("Viewer"),
}

ROLE_DESCRIPTIONS = {
    OWNER: _l("Everything, including settings, members and backups."),
    MANAGER: _l("Day-to-day work, voids and reports; no settings or members."),
    STAFF: _l("Customers, jobs, invoices and payments; cannot void."),
    VIEWER: _l("Can look, cannot change anything."),
}


def role_allows(role: Role | None, action: str) -> bool:
    """Return whether a member with this role may perform the action."""
    if action not in PERMISSIONS:
        raise KeyError(f"unknown permission {action!r}")
    return role is not None and role in PERMISSIONS[action]


def can(action: str) -> bool:
    """Return whether the current member may perform the action in the current shop."""
    membership = g.get("membership")
    return role_allows(membership.role if membership else None, action)


def requires(action: str):
    """Refuse the view with 403 unless the current member may perform the action."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not can(action):
                from .tenancy import abort_unless_own

                abort_unless_own(kwargs)  # another shop's id is 404 even for a role that may not act
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_permission = action
        return wrapped

    return decorator
