"""Rendered pages kept in memory and served again until the shop's data changes.

The busiest pages (the dashboard, the customers list and its search, a customer's page and khata, who owes
what, the jobs board, the invoices and payments lists: the views decorated with `cached`) are read far more
often than anything in the shop changes: a shopkeeper goes back and forth between a list and
a customer, htmx asks for the same fragment again. Such a page is a function of the shop's data, of who is
looking (their role, their language, their session's CSRF token, which the page's forms carry) and of the
date. So each is kept under a key of all of those, and of the shop's **data version**:

- `shops.data_version` goes up in the same transaction as every change to the shop's rows. The session
  events below do it by themselves at commit: an object with a `shop_id` (or a Shop) that was inserted,
  changed or deleted names its shop; a change to a user names every shop they belong to; a bulk UPDATE,
  DELETE or INSERT through the session (or hand-written SQL that writes) names the shop its WHERE limits it
  to, else the request's shop, else, outside a request (a background task, a command), every shop.
- The request reads the version with the member's session, in the query it makes anyway
  (`accounts.user_for_session_token`), before it reads any data. A page kept under version V was therefore
  rendered from data at least as new as V, and a request that sees V + 1 no longer finds it.

Each process keeps its own entries (least recently used go first, within `PAGE_CACHE_MB`), so nothing is
shared between workers or machines and there is nothing to invalidate by hand: an old version's entries are
simply never asked for again. Entries also expire after `PAGE_CACHE_SECONDS`, for what a page says about the
time of day. Only a member's plain GET of a decorated view is kept; never one that shows a flashed message.
Answers carry `X-Page-Cache: hit` or `miss`.
"""
from __future__ import annotations

import re
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import wraps

import sqlalchemy as sa
from flask import Flask, current_app, g, has_app_context, make_response, request, session
from flask_babel import get_locale
from flask_wtf.csrf import generate_csrf
from sqlalchemy.orm import Session
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import BindParameter, TextClause
from werkzeug.wrappers import Response

# Headers an answer gets again from the after-request hooks, or that belong to one answer only.
_NOT_KEPT = {"set-cookie", "content-length", "date", "x-page-cache"}
# Request headers that change what a view renders (htmx asks for fragments with them).
_VARYING_HEADERS = ("HX-Request", "HX-Boosted", "HX-History-Restore-Request", "HX-Target")


# --- The shop's data version, kept in step with every change --------------------------------------------

def _changes(session: Session) -> set:
    return session.info.setdefault("shop_changes", set())


# A user's own bookkeeping, which no shop page shows.
_USER_BOOKKEEPING = {"last_login_at", "last_shop_id", "password_hash", "locale"}


def _note_flushed_objects(session: Session, flush_context) -> None:
    """After a flush (the session still lists what it wrote): the shops whose rows these were."""
    from .models import Shop, User

    changed = _changes(session)
    for obj in (*session.new, *session.dirty, *session.deleted):
        state = sa.inspect(obj)
        if obj in session.dirty and not session.is_modified(obj, include_collections=False):
            continue
        if isinstance(obj, Shop):
            if obj not in session.new:  # a new shop has no pages kept yet
                changed.add(state.identity[0])
        elif isinstance(obj, User):
            if obj in session.new:
                continue  # a new user belongs to no shop yet; their membership names it
            edited = {attr.key for attr in state.attrs if attr.history.has_changes()}
            if obj in session.deleted or edited - _USER_BOOKKEEPING:
                changed.add(("user", state.identity[0]))
        elif "shop_id" in obj.__mapper__.columns:
            # Read from the loaded state: a deleted or expired object is not loaded again mid-flush.
            changed.add(state.dict.get("shop_id") or "unknown")


_WRITING_SQL = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE|MERGE)\b", re.IGNORECASE)


def _note_bulk_statement(execute_state) -> None:
    if execute_state.execution_options.get("data_version_bump"):
        return
    if isinstance(execute_state.statement, TextClause):
        if _WRITING_SQL.match(execute_state.statement.text):
            _changes(execute_state.session).add("unknown")  # hand-written SQL: whose rows, we cannot tell
        return
    if not (execute_state.is_update or execute_state.is_delete or execute_state.is_insert):
        return
    table = execute_state.statement.table
    if "shop_id" not in table.c and table.name not in ("shops", "users"):
        return  # not a shop's data: sessions, throttles, password resets
    _changes(execute_state.session).update(_shops_named(execute_state) or {"unknown"})


def _shops_named(execute_state) -> set[int]:
    """The shops a bulk statement is limited to, when it says so plainly: `shop_id = :x` (or IN) as one of
    the conditions that its WHERE joins with AND, the shop_id of every row it inserts, or its own
    `execution_options(shop_id=...)`."""
    statement = execute_state.statement
    hinted = execute_state.execution_options.get("shop_id")  # a statement may say so itself
    if isinstance(hinted, int):
        return {hinted}
    if execute_state.is_insert:
        rows = execute_state.parameters
        rows = [rows] if isinstance(rows, dict) else list(rows or ())
        named = {row.get("shop_id") for row in rows}
        return named if rows and None not in named and all(isinstance(shop_id, int) for shop_id in named) else set()
    where = statement.whereclause
    if where is None:
        return set()
    conditions = where.clauses if getattr(where, "operator", None) is operators.and_ else [where]
    for condition in conditions:
        left, right = getattr(condition, "left", None), getattr(condition, "right", None)
        if not (isinstance(left, sa.Column) and left.name == "shop_id" and isinstance(right, BindParameter)):
            continue
        value = right.effective_value
        if condition.operator is operators.eq and isinstance(value, int):
            return {value}
        if condition.operator is operators.in_op and isinstance(value, (list, tuple)) and value \
                and all(isinstance(item, int) for item in value):
            return set(value)
    return set()


def _bump_before_commit(session: Session) -> None:
    session.flush()  # what is still pending names its shops too
    changed = session.info.pop("shop_changes", None)
    if changed:
        bump_data_versions(session, changed)


def bump_data_versions(session: Session, changed: set) -> None:
    """Raise the data version of the shops that `changed` names, in the session's transaction."""
    from .models import Membership, Shop

    shop_ids = {item for item in changed if isinstance(item, int)}
    user_ids = {item[1] for item in changed if isinstance(item, tuple) and item[1] is not None}
    everything = any(isinstance(item, tuple) and item[1] is None for item in changed)
    if "unknown" in changed:
        request_shop = g.get("shop") if has_app_context() else None
        if request_shop is not None:
            shop_ids.add(sa.inspect(request_shop).identity[0])
        else:
            everything = True
    statement = sa.update(Shop).values(data_version=Shop.data_version + 1)
    if not everything:
        conditions = []
        if shop_ids:
            conditions.append(Shop.id.in_(sorted(shop_ids)))
        if user_ids:
            conditions.append(Shop.id.in_(sa.select(Membership.shop_id).where(Membership.user_id.in_(sorted(user_ids)))))
        if not conditions:
            return
        statement = statement.where(sa.or_(*conditions))
    session.execute(statement, execution_options={"synchronize_session": False, "data_version_bump": True})


def track_data_versions() -> None:
    """Listen to every session: idempotent, so the app factory can call it for each app it makes."""
    # Nothing is forgotten on a rollback: a savepoint's rollback leaves the changes before it, and a
    # version raised once too often costs only a page rendered again.
    for name, listener in (("after_flush", _note_flushed_objects), ("do_orm_execute", _note_bulk_statement),
                           ("before_commit", _bump_before_commit)):
        if not sa.event.contains(Session, name, listener):
            sa.event.listen(Session, name, listener)


# --- The kept pages ----------------------------------------------------------------------------------------

def per_render_token() -> str:
    """A random token that no two pages may share, like a form's idempotency key (two tabs showing the same
    page must still record two payments). A page served from the cache gets new ones in their place."""
    token = secrets.token_urlsafe(24)
    if has_app_context():
        g.setdefault("per_render_tokens", []).append(token)
    return token


@dataclass
class Entry:
    body: bytes
    headers: list[tuple[str, str]]
    expires: float
    per_render_tokens: tuple[bytes, ...] = ()
    compressed: dict[str, bytes] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.body) + sum(map(len, self.compressed.values())) + 200

    def response(self) -> Response:
        body = self.body
        for token in self.per_render_tokens:
            body = body.replace(token, per_render_token().encode())
        response = Response(body, status=200, headers=self.headers)
        if not self.per_render_tokens:
            response.page_cache_entry = self  # the same bytes each time: compression keeps what it packs
        return response


class PageCache:
    """Least recently used entries within a byte budget; safe for threads."""

    def __init__(self, max_bytes: int, seconds: float):
        self.max_bytes = max_bytes
        self.seconds = seconds
        self._entries: OrderedDict[tuple, Entry] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    @property
    def enabled(self) -> bool:
        return self.max_bytes > 0 and self.seconds > 0

    def get(self, key: tuple) -> Entry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry.expires <= time.monotonic():
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry

    def put(self, key: tuple, entry: Entry) -> None:
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old.size
            if entry.size > self.max_bytes // 4:
                return
            self._entries[key] = entry
            self._bytes += entry.size
            self._trim()

    def grew(self, entry: Entry, added: int) -> None:
        """An entry kept a compressed copy: count it, and make room."""
        with self._lock:
            self._bytes += added
            self._trim()

    def _trim(self) -> None:
        now = time.monotonic()
        while self._entries and self._bytes > self.max_bytes:
            _key, dropped = self._entries.popitem(last=False)
            self._bytes -= dropped.size
        if len(self._entries) > 64 and next(iter(self._entries.values())).expires <= now:
            for key in [key for key, entry in self._entries.items() if entry.expires <= now]:
                self._bytes -= self._entries.pop(key).size

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._entries)


def page_cache() -> PageCache:
    return current_app.extensions["shopledger_page_cache"]


def _key() -> tuple | None:
    """What the page depends on besides the shop's data; None when this request must not use the cache."""
    from flask_login import current_user

    from .services import clock

    shop, membership = g.get("shop"), g.get("membership")
    if request.method != "GET" or shop is None or membership is None or not current_user.is_authenticated:
        return None
    if session.get("_flashes"):
        return None  # the page shows the message once
    field_name = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    if not session.get(field_name):
        generate_csrf()  # the session's token, which the page's forms carry, is part of the key
    return (
        request.endpoint, request.full_path, *(request.headers.get(name) for name in _VARYING_HEADERS),
        shop.id, shop.data_version, clock.shop_today(shop), membership.id, membership.role.value,
        current_user.id, session[field_name], str(get_locale()),
    )


def cached(view):
    """Serve the view's answer from the cache when the shop has not changed since it was rendered."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        cache = page_cache()
        key = _key() if cache.enabled else None
        if key is None:
            return view(*args, **kwargs)
        entry = cache.get(key)
        if entry is not None:
            response = entry.response()
            response.headers["X-Page-Cache"] = "hit"
            return response
        response = make_response(view(*args, **kwargs))
        if (response.status_code == 200 and not response.is_streamed and not response.direct_passthrough
                and "Set-Cookie" not in response.headers and not session.get("_flashes")):
            body = response.get_data()
            tokens = tuple(token.encode() for token in g.get("per_render_tokens", ()))
            cache.put(key, Entry(body=body,
                                 headers=[(name, value) for name, value in response.headers.items()
                                          if name.lower() not in _NOT_KEPT],
                                 expires=time.monotonic() + cache.seconds,
                                 per_render_tokens=tuple(token for token in tokens if token in body)))
        response.headers["X-Page-Cache"] = "miss"
        return response

    return wrapped


def init_app(app: Flask) -> None:
    app.extensions["shopledger_page_cache"] = PageCache(
        max_bytes=int(float(app.config["PAGE_CACHE_MB"]) * 1024 * 1024), seconds=float(app.config["PAGE_CACHE_SECONDS"]))
    track_data_versions()
