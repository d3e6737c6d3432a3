"""Blueprints, one package per area."""
from flask import Flask


def register_blueprints(app: Flask) -> None:
    from .account import bp as account
    from .audit import bp as audit
    from .auth import bp as auth
    from .customers import bp as customers
    from .invoices import bp as invoices
    from .jobs import bp as jobs
    from .main import bp as main
    from .measurements import bp as measurements
    from .members import bp as members
    from .payments import bp as payments
    from .pdfs import bp as pdfs
    from .pwa import bp as pwa
    from .settings import bp as settings
    from .shops import bp as shops

    for blueprint in (main, auth, account, shops, settings, members, customers, jobs, measurements, invoices,
                      payments, pdfs, audit):
        app.register_blueprint(blueprint)
    app.register_blueprint(pwa)  # the manifest, the service worker, the offline page
    from .links import bp as links
    from .notifications import bp as notifications
    from .public import bp as public
    from .reminders import bp as reminders

    for blueprint in (public, links, reminders, notifications):  # sending, sharing, reminding
        app.register_blueprint(blueprint)
    from .outbox import bp as outbox

    app.register_blueprint(outbox)  # email: what waits to go out
    from .reports import bp as reports

    app.register_blueprint(reports)  # sales, payments, aging and jobs reports
    from .data import bp as data

    app.register_blueprint(data)  # CSV export, customers import, backup and restore
