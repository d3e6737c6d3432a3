"""htmx: tell a fragment request from a page request, and answer each in its own shape."""
from __future__ import annotations

import json

from flask import make_response, render_template, request
from werkzeug.wrappers import Response


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def wants_fragment() -> bool:
    """An htmx request for part of a page: not a boosted navigation, not a history restore."""
    return (
        is_htmx()
        and request.headers.get("HX-Boosted") != "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def render(page: str, fragment: str, *, status: int = 200, **context) -> Response:
    """Render the whole page, or only its fragment when htmx asked for the fragment."""
    template = fragment if wants_fragment() else page
    response = make_response(render_template(template, **context), status)
    response.vary.add("HX-Request")
    return response


def trigger(response: Response, event: str, detail: dict | None = None) -> Response:
    """Tell the page that something happened (an HX-Trigger event), merging with events already set."""
    existing = response.headers.get("HX-Trigger")
    events = json.loads(existing) if existing and existing.startswith("{") else {}
    events[event] = detail or {}
    response.headers["HX-Trigger"] = json.dumps(events)
    return response


def redirect_to(url: str) -> Response:
    """Send the browser elsewhere after a change.

    A boosted form is a navigation: htmx follows the 303 like a browser would and pushes the final
    URL. A fragment request would swap a whole page into its target, so it gets HX-Redirect instead.
    """
    if wants_fragment():
        response = make_response("", 204)
        response.headers["HX-Redirect"] = url
        return response
    response = make_response("", 303)
    response.headers["Location"] = url
    return response
