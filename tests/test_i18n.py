"""English and Urdu: a complete catalogue, the language each request is answered in, right-to-left pages."""
from __future__ import annotations

import os
import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po

from shopledger.i18n import LOCALE_COOKIE
from shopledger.models import User

ROOT = Path(__file__).resolve().parent.parent
URDU_PO = ROOT / "translations" / "ur" / "LC_MESSAGES" / "messages.po"
APP_CSS = ROOT / "shopledger" / "static" / "app.css"
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}

HTML_TAG = re.compile(r"<html\b[^>]*>")
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[#0 +\-]*(?:\d+|\*)?(?:\.\d+)?[diouxXeEfFgGcrsa%]")

# The login page's heading in each language.
LOGIN_HEADING = {"en": "Log in to ShopLedger", "ur": "ShopLedger میں لاگ ان کریں"}


# --- helpers ---------------------------------------------------------------------------------------


def html_attributes(page: str) -> dict[str, str]:
    tag = HTML_TAG.search(page)
    assert tag, "the page has no <html> tag"
    return dict(re.findall(r'(\w+)="([^"]*)"', tag.group(0)))


def page_language(response) -> str:
    assert response.status_code == 200, response.status_code
    return html_attributes(response.get_data(as_text=True))["lang"]


def placeholders(text: str) -> Counter:
    return Counter(found for found in PLACEHOLDER.findall(text) if found != "%%")


def read_catalog(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


def extract_fresh_template(directory: Path) -> Catalog:
    """Extract the strings the code has now, as `pybabel extract -F babel.cfg` does, into a .pot in `directory`."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle, str(ROOT / "babel.cfg"))

    # Babel skips folders starting with "_" unless told otherwise; templates/_macros must not be skipped.
    def directory_filter(path: str) -> bool:
        name = os.path.basename(path)
        return not name.startswith(".") and name != "__pycache__"

    template = Catalog(project="ShopLedger")
    for filename, lineno, message, comments, context in extract_from_dir(
        ROOT, method_map, options_map, keywords=KEYWORDS, directory_filter=directory_filter
    ):
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    pot = directory / "messages.pot"
    with pot.open("wb") as handle:
        write_po(handle, template)
    return read_catalog(pot)


def as_msgids(message) -> tuple[str, ...]:
    return message.id if isinstance(message.id, tuple) else (message.id,)


def as_msgstrs(message) -> tuple[str, ...]:
    return message.string if isinstance(message.string, tuple) else (message.string,)


class VisibleText(HTMLParser):
    """The text a person sees or hears on a page: text nodes and the labels read out, not scripts."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if value and name in ("aria-label", "alt", "title", "placeholder", "hx-confirm", "data-show",
                                  "data-hide", "data-copied", "data-text"):
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.parts.append(data)

    @classmethod
    def of(cls, page: str) -> str:
        parser = cls()
        parser.feed(page)
        return " ".join(" ".join(parser.parts).split())


# --- the catalogue -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fresh_template(tmp_path_factory):
    return extract_fresh_template(tmp_path_factory.mktemp("pot"))


@pytest.fixture(scope="module")
def urdu():
    return read_catalog(URDU_PO)


def test_extraction_finds_strings_in_python_templates_and_macros(fresh_template):
    ids = {message.id for message in fresh_template if message.id}
    assert "Please log in to continue." in ids  # shopledger/__init__.py
    assert "Use at most %(max)d characters." in ids  # shopledger/forms.py
    assert "Log in to ShopLedger" in ids  # templates/auth/login.html
    assert "Show" in ids and "Hide" in ids  # templates/_macros/forms.html
    assert "Customers" in ids  # templating.py


def test_every_string_has_an_urdu_translation(fresh_template, urdu):
    untranslated = []
    for message in fresh_template:
        if not message.id:
            continue
        entry = urdu.get(message.id, message.context)
        if entry is None or entry.fuzzy or not all(text.strip() for text in as_msgstrs(entry)):
            untranslated.append(as_msgids(message)[0])
    assert not untranslated, (
        f"{len(untranslated)} strings have no Urdu translation in {URDU_PO.relative_to(ROOT)} "
        "(run pybabel extract and update as babel.cfg says, then translate):\n  " + "\n  ".join(untranslated)
    )


def test_translations_keep_the_placeholders_of_the_english(urdu):
    wrong = []
    for message in urdu:
        if not message.id:
            continue
        english = [placeholders(text) for text in as_msgids(message)]
        for text in as_msgstrs(message):
            if not text:
                continue
            found = placeholders(text)
            if isinstance(message.id, tuple):
                # A plural form may leave out the count, never add a name the English does not have.
                allowed = english[0] | english[1]
                ok = set(found) <= set(allowed)
            else:
                ok = found == english[0]
            if not ok:
                wrong.append(f"{as_msgids(message)[0]!r}: {sorted(english[0])} -> {text!r}: {sorted(found)}")
    assert not wrong, "placeholders differ between English and Urdu:\n  " + "\n  ".join(wrong)


def test_placeholder_check_sees_a_dropped_or_renamed_placeholder():
    assert placeholders("%(done)d of %(total)d done") == placeholders("%(total)d میں سے %(done)d مکمل")
    assert placeholders("Hello, %(name)s") != placeholders("السلام علیکم")
    assert placeholders("Hello, %(name)s") != placeholders("السلام علیکم، %(nam)s")
    assert placeholders("Use at most %(max)d characters.") != placeholders("زیادہ سے زیادہ %(max)s حروف")


def test_urdu_catalogue_header(urdu):
    assert str(urdu.locale) == "ur"
    assert urdu.plural_forms == "nplurals=2; plural=(n != 1);"
    assert not urdu.fuzzy
    assert urdu.mime_headers and dict(urdu.mime_headers)["Content-Type"] == "text/plain; charset=utf-8"


def _forms(string) -> tuple:
    """Every form of a translation: one string, or each plural form."""
    return string if isinstance(string, tuple) else (string,)


def test_translations_are_in_urdu_script_not_roman(urdu):
    arabic_script = re.compile(r"[\u0600-\u06FF]")
    roman = [
        message.id for message in urdu if message.id
        and not all(arabic_script.search(form) for form in _forms(message.string))
    ]
    assert not roman, f"translations without Urdu letters: {roman}"


# --- which language a request is answered in ----------------------------------------------------------


@pytest.fixture
def shop_member(db, make_shop, login):
    """Log a client in as the owner of a shop; the owner has no language of their own yet."""

    def logged_in(client, *, user_locale=None, shop_locale="en"):
        shop = make_shop(name="Lahore Darzi")
        owner = shop.memberships[0].user
        owner.locale = user_locale
        shop.default_locale = shop_locale
        db.session.commit()
        login(client, owner.email)
        return owner

    return logged_in


def test_a_visitor_gets_the_browsers_language(client):
    assert page_language(client.get("/login", headers={"Accept-Language": "ur"})) == "ur"
    assert page_language(client.get("/login", headers={"Accept-Language": "ur-PK,ur;q=0.9,en;q=0.8"})) == "ur"
    assert page_language(client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9"})) == "en"


def test_a_visitor_with_an_unsupported_language_gets_english(client):
    assert page_language(client.get("/login", headers={"Accept-Language": "fr-FR,fr;q=0.9,de;q=0.5"})) == "en"
    assert page_language(client.get("/login")) == "en"
    client.set_cookie(LOCALE_COOKIE, "xx")
    assert page_language(client.get("/login", headers={"Accept-Language": "de"})) == "en"


def test_the_cookie_beats_the_browsers_language_for_a_visitor(client):
    client.set_cookie(LOCALE_COOKIE, "ur")
    assert page_language(client.get("/login", headers={"Accept-Language": "en"})) == "ur"
    client.set_cookie(LOCALE_COOKIE, "en")
    assert page_language(client.get("/login", headers={"Accept-Language": "ur"})) == "en"


def test_an_unsupported_cookie_is_ignored(client):
    client.set_cookie(LOCALE_COOKIE, "fr")
    assert page_language(client.get("/login", headers={"Accept-Language": "ur"})) == "ur"


@pytest.mark.parametrize(("user_locale", "cookie"), [("ur", "en"), ("en", "ur")])
def test_the_users_own_setting_beats_the_cookie(client, shop_member, user_locale, cookie):
    shop_member(client, user_locale=user_locale, shop_locale=cookie)
    client.set_cookie(LOCALE_COOKIE, cookie)
    assert page_language(client.get("/more", headers={"Accept-Language": cookie})) == user_locale


@pytest.mark.parametrize(("cookie", "shop_locale"), [("en", "ur"), ("ur", "en")])
def test_the_cookie_beats_the_shops_language(client, shop_member, cookie, shop_locale):
    shop_member(client, shop_locale=shop_locale)
    client.set_cookie(LOCALE_COOKIE, cookie)
    assert page_language(client.get("/more", headers={"Accept-Language": shop_locale})) == cookie


@pytest.mark.parametrize(("shop_locale", "browser"), [("ur", "en"), ("en", "ur")])
def test_the_shops_language_beats_the_browsers(client, shop_member, shop_locale, browser):
    shop_member(client, shop_locale=shop_locale)
    assert page_language(client.get("/more", headers={"Accept-Language": browser})) == shop_locale


def test_unsupported_user_and_shop_languages_fall_through(client, shop_member):
    shop_member(client, user_locale="de", shop_locale="fr")
    assert page_language(client.get("/more", headers={"Accept-Language": "ur"})) == "ur"
    assert page_language(client.get("/more", headers={"Accept-Language": "es"})) == "en"


def test_each_shop_answers_its_members_in_its_own_language(app, db, two_shops, login):
    alpha, beta = two_shops
    alpha.shop.default_locale = "ur"
    db.session.commit()
    for team, expected in ((alpha, "ur"), (beta, "en")):
        client = app.test_client()
        login(client, team.staff.email)
        other = "en" if expected == "ur" else "ur"
        assert page_language(client.get("/more", headers={"Accept-Language": other})) == expected


# --- <html lang dir> and the words on the page ------------------------------------------------------------


def test_urdu_pages_run_right_to_left_and_show_urdu(client):
    page = client.get("/login", headers={"Accept-Language": "ur"}).get_data(as_text=True)
    assert html_attributes(page) == {"lang": "ur", "dir": "rtl"}
    # Translated text, not only the attribute: a missing or stale .mo fails here.
    assert LOGIN_HEADING["ur"] in page
    assert LOGIN_HEADING["en"] not in page
    # The Nastaliq font is preloaded (under its content-hashed name, shopledger/assets.py).
    assert re.search(r"fonts/NotoNastaliqUrdu-400\.[0-9a-f]{10}\.woff2", page)


def test_english_pages_run_left_to_right(client):
    page = client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert html_attributes(page) == {"lang": "en", "dir": "ltr"}
    assert LOGIN_HEADING["en"] in page
    assert LOGIN_HEADING["ur"] not in page
    assert "NotoNastaliqUrdu" not in page


def test_form_errors_and_error_pages_are_in_urdu(client):
    client.set_cookie(LOCALE_COOKIE, "ur")
    response = client.post("/login", data={"email": "", "password": ""})
    assert response.status_code == 422
    assert "اپنا ای میل ایڈریس لکھیں۔" in response.get_data(as_text=True)
    response = client.get("/no-such-page")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert html_attributes(page)["dir"] == "rtl"
    assert "یہاں کچھ نہیں ہے۔" in page


def test_every_page_of_an_urdu_owner_is_in_urdu(client, db, make_shop, login, urdu):
    shop = make_shop(name="Noor Tailors")
    owner = shop.memberships[0].user
    owner.locale = "ur"
    db.session.commit()
    login(client, owner.email)
    # The English of every translated sentence (two words or more, no placeholders): none may show.
    english = sorted(
        (message.id for message in urdu if message.id and " " in message.id and "%" not in message.id
         and message.string != message.id),
        key=len, reverse=True,
    )
    pages = {
        "/": "اپنی دکان تیار کریں",
        "/more": "میری دکانیں",
        "/settings": "دکان کی سیٹنگز",
        "/members": "ممبران اور کردار",
        "/account": "میرا اکاؤنٹ",
        "/account/password": "پاس ورڈ تبدیل کریں",
        "/shops": "میری دکانیں",
        "/shops/new": "نئی دکان",
    }
    responses = {path: client.get(path) for path in pages}
    responses["/members (new link)"] = client.post("/members/invitations", data={"name": "Ali", "role": "staff"})
    pages["/members (new link)"] = "یہ لنک Ali کو بھیجیں۔"
    for path, response in responses.items():
        assert response.status_code == 200, path
        page = response.get_data(as_text=True)
        assert html_attributes(page) == {"lang": "ur", "dir": "rtl"}, path
        assert pages[path] in page, path
        text = VisibleText.of(page)
        leftover = [sentence for sentence in english if sentence in text]
        assert not leftover, f"{path} shows English: {leftover}"


# --- the language toggle -----------------------------------------------------------------------------------


def test_a_visitor_switches_language(client):
    response = client.post("/language", data={"locale": "ur", "next": "/login"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/login"
    cookie = client.get_cookie(LOCALE_COOKIE)
    assert cookie is not None and cookie.value == "ur"
    assert cookie.http_only
    page = client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert html_attributes(page)["lang"] == "ur" and LOGIN_HEADING["ur"] in page

    response = client.post("/language", data={"locale": "en", "next": "/login"})
    assert response.status_code == 303
    assert client.get_cookie(LOCALE_COOKIE).value == "en"
    assert page_language(client.get("/login", headers={"Accept-Language": "ur"})) == "en"


def test_a_logged_in_user_switches_and_the_choice_is_stored(client, db, shop_member):
    owner = shop_member(client, user_locale="en")
    response = client.post("/language", data={"locale": "ur", "next": "/more?tab=1"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/more?tab=1"
    assert client.get_cookie(LOCALE_COOKIE).value == "ur"
    db.session.expire_all()
    assert db.session.get(User, owner.id).locale == "ur"
    # The stored choice follows the user to a browser without the cookie.
    client.delete_cookie(LOCALE_COOKIE)
    assert page_language(client.get("/more", headers={"Accept-Language": "en"})) == "ur"


@pytest.mark.parametrize(
    "target",
    ["https://evil.example", "https://evil.example/login", "//evil.example/", "/\\evil.example",
     "javascript:alert(1)", ""],
)
def test_the_toggle_only_goes_back_to_our_own_pages(client, target):
    response = client.post("/language", data={"locale": "ur", "next": target})
    assert response.status_code == 303
    assert response.headers["Location"] == "/"


def test_an_unknown_language_changes_nothing(client, db, shop_member):
    owner = shop_member(client, user_locale="en")
    response = client.post("/language", data={"locale": "fr", "next": "/more"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/more"
    assert client.get_cookie(LOCALE_COOKIE) is None
    assert not any(LOCALE_COOKIE in header for header in response.headers.getlist("Set-Cookie"))
    db.session.expire_all()
    assert db.session.get(User, owner.id).locale == "en"


def test_the_toggle_needs_a_post_with_a_csrf_token(client):
    assert client.get("/language?locale=ur").status_code == 405
    assert client.get_cookie(LOCALE_COOKIE) is None
    response = client.post("/language", data={"locale": "ur", "next": "/login"}, csrf=False)
    assert response.status_code == 400
    assert client.get_cookie(LOCALE_COOKIE) is None


def test_the_toggle_offers_the_other_language_in_its_own_script(client):
    page = client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert re.search(r'<button type="submit" lang="ur"[^>]*>اردو</button>', page)
    page = client.get("/login", headers={"Accept-Language": "ur"}).get_data(as_text=True)
    assert re.search(r'<button type="submit" lang="en"[^>]*>English</button>', page)


# --- CSS and the Nastaliq font -------------------------------------------------------------------------------

PHYSICAL_PROPERTY = re.compile(
    r"(?<![\w-])(margin-left|margin-right|padding-left|padding-right|border-left(?:-[\w-]+)?|"
    r"border-right(?:-[\w-]+)?|border-(?:top|bottom)-(?:left|right)-radius|left|right|"
    r"scroll-(?:margin|padding)-(?:left|right))\s*:"
)
PHYSICAL_VALUE = re.compile(r"(?<![\w-])(text-align|float|clear)\s*:\s*(left|right)\b")
SHORTHAND = re.compile(r"(?<![\w-])(margin|padding|inset|border-width|border-style|border-color)\s*:\s*([^;}]+)")


def split_value(value: str) -> list[str]:
    """Split a CSS value on spaces outside parentheses: 'calc(a + b) 1rem' is two parts."""
    parts, depth, current = [], 0, ""
    for char in value.strip():
        depth += char == "("
        depth -= char == ")"
        if char.isspace() and depth == 0:
            if current:
                parts.append(current)
            current = ""
        else:
            current += char
    return [*parts, current] if current else parts


def physical_properties(css: str) -> list[str]:
    """Every left/right-bound declaration: each breaks in one of the two directions."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    found = []
    for number, line in enumerate(css.splitlines(), start=1):
        for match in PHYSICAL_PROPERTY.finditer(line):
            found.append(f"line {number}: {match.group(0)}")
        for match in PHYSICAL_VALUE.finditer(line):
            found.append(f"line {number}: {match.group(0)}")
        for match in SHORTHAND.finditer(line):
            parts = split_value(match.group(2).replace("!important", ""))
            if len(parts) == 4 and parts[1] != parts[3]:
                found.append(f"line {number}: {match.group(0).strip()} (left and right differ)")
    return found


def test_the_css_scanner_sees_physical_properties():
    bad = """
    .a { margin-left: 1rem; }  .b { padding-right: 2px }  .c { left: 0; }  .d{right:0}
    .e { text-align: left; }  .f { float: right; }  .g { border-left: 1px solid; }
    .h { border-right-color: red; }  .i { padding: 0 1rem 0 2rem; }  .j { border-top-left-radius: 4px; }
    """
    assert len(physical_properties(bad)) == 10
    good = """
    /* margin-left: never */ .a { margin-inline-start: 1rem; inset-inline-end: 0; text-align: start; }
    .b { padding: 1rem .9rem calc(var(--nav) + 1.5rem); margin: 0 auto .5rem; inset-block-start: 0; }
    .c { padding: 1px 2px 3px 2px; border-inline-start: 1px solid; float: inline-start; }
    """
    assert physical_properties(good) == []


def test_the_css_uses_logical_properties_only():
    found = physical_properties(APP_CSS.read_text(encoding="utf-8"))
    assert not found, "physical (left/right) CSS in app.css; use the logical form:\n  " + "\n  ".join(found)


def test_app_css_declares_the_nastaliq_font_for_urdu(client):
    css = APP_CSS.read_text(encoding="utf-8")
    faces = re.findall(r"@font-face\s*{([^}]*)}", css)
    nastaliq = [face for face in faces if re.search(r"font-family:\s*[\"']Noto Nastaliq Urdu[\"']", face)]
    assert nastaliq, 'app.css has no @font-face for "Noto Nastaliq Urdu"'
    for face in nastaliq:
        for url in re.findall(r"url\([\"']?([^\"')]+)[\"']?\)", face):
            with client.get(f"/static/{url}") as response:
                assert response.status_code == 200, url
    assert re.search(r":lang\(ur\)[^{]*{[^}]*Nastaliq|:lang\(ur\)[^{]*{[^}]*--urdu", css)


def test_the_nastaliq_font_is_served_from_static_fonts(client):
    with client.get("/static/fonts/NotoNastaliqUrdu-400.woff2") as response:
        assert response.status_code == 200
        assert response.mimetype in ("font/woff2", "application/font-woff2")
        assert response.get_data()[:4] == b"wOF2"
