"""Blueprints, one package per area."""
from flask import Flask


def register_blueprints(app: Flask) -> None:
    from .account import bp as account
    from .auth import bp as auth
    from .main import bp as main
    from .members import bp as members
    from .settings import bp as settings
    from .shops import bp as shops

    for blueprint in (main, auth, account, shops, settings, members):
        app.register_blueprint(blueprint)
