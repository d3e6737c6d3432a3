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
    from .settings import bp as settings
    from .shops import bp as shops

    for blueprint in (main, auth, account, shops, settings, members, customers, jobs, measurements, invoices,
                      payments, pdfs, audit):
        app.register_blueprint(blueprint)
