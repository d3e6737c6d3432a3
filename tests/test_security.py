"""Headers on every response, htmx shapes and error pages."""
import re

import pytest

from tests.conftest import TEST_PASSWORD


@pytest.mark.parametrize("path", ["/login", "/signup", "/healthz", "/nowhere", "/static/app.css"])
def test_every_response_carries_the_security_headers(client, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    response.close()


def test_pages_have_no_inline_scripts_or_styles(client, make_shop, login):
    login(client, make_shop().memberships[0].user.email)
    for path in ("/", "/more", "/members", "/settings", "/account", "/shops"):
        page = client.get(path).get_data(as_text=True)
        assert "<script>" not in page and "<script " not in page.replace('<script src="', "")
        assert "style=" not in page and "<style" not in page
        assert "onclick" not in page.lower()


def test_the_session_cookie_is_httponly_and_lax(client, make_shop):
    owner = make_shop().memberships[0].user
    client.post("/login", data={"email": owner.email, "password": TEST_PASSWORD})
    cookie = client.get_cookie("shopledger_session")
    assert cookie.http_only and cookie.same_site == "Lax"


def test_cookies_are_secure_in_production(monkeypatch, tmp_path):
    from shopledger import create_app

    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    app = create_app({"SHOPLEDGER_ENV": "production", "INSTANCE_PATH": str(tmp_path),
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}"})
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    assert app.config["PREFERRED_URL_SCHEME"] == "https"


def test_a_page_answers_vary_hx_request_and_a_fragment_request_gets_only_the_fragment(client, make_team, login):
    login(client, make_team("Noor").owner.email)
    page = client.get("/members")
    fragment = client.get("/members", headers={"HX-Request": "true"})
    boosted = client.get("/members", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert "HX-Request" in page.headers["Vary"]
    assert page.get_data(as_text=True).startswith("<!doctype html>")
    assert boosted.get_data(as_text=True).startswith("<!doctype html>")
    assert fragment.get_data(as_text=True).lstrip().startswith('<section class="card" id="invite"')


def test_a_missing_page_is_a_friendly_404_and_a_fragment_404_is_a_toast(client):
    page = client.get("/no/such/page")
    assert page.status_code == 404 and "There is nothing here" in page.get_data(as_text=True)
    fragment = client.get("/no/such/page", headers={"HX-Request": "true"})
    assert fragment.status_code == 404
    assert fragment.get_data(as_text=True).lstrip().startswith('<div class="toast error"')


def test_a_boosted_form_redirect_is_a_303_and_a_fragment_redirect_uses_hx_redirect(client, make_team, login):
    team = make_team("Noor")
    login(client, team.owner.email)
    boosted = client.post("/shops/new", data={"shop_name": "B"}, headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert boosted.status_code == 303
    fragment = client.post(f"/shops/{team.shop.id}/switch", headers={"HX-Request": "true"})
    assert fragment.status_code == 204 and fragment.headers["HX-Redirect"] == "/"


def test_the_base_page_configures_htmx_safely(client):
    page = client.get("/login").get_data(as_text=True)
    for setting in ('"allowEval": false', '"allowScriptTags": false', '"selfRequestsOnly": true',
                    '"historyRestoreAsHxRequest": false', '"includeIndicatorStyles": false', '"code": "422"'):
        assert setting in page
    # Under its content-hashed name (shopledger/assets.py).
    assert re.search(r'/static/vendor/htmx-2\.0\.11\.min\.[0-9a-f]{10}\.js', page)


def test_state_changing_routes_refuse_get(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in {"auth.logout", "main.language", "shops.switch"} or "revoke" in rule.endpoint \
                or rule.endpoint.endswith((".change_role", ".invite", ".upload_logo", ".remove_logo", ".update")):
            assert "GET" not in rule.methods, rule
