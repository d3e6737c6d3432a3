"""Static files under content-hashed names (app.3f9c2a1b7e.css), kept by browsers for a year, sent compressed.

`url_for("static", filename="app.css")` writes the hashed name; the static view serves it with
`Cache-Control: public, max-age=31536000, immutable`, so a release changes the name and never leaves a
stale copy behind. The stylesheet's own `url(...)` references are rewritten to hashed names too (its hash
covers them). The plain names keep working, revalidated on every use, for whatever cannot know the hash.
"""
from __future__ import annotations

import gzip
import hashlib
import mimetypes
import re
import threading
from dataclasses import dataclass
from pathlib import Path

import brotli
from flask import Flask, abort, current_app, request
from werkzeug.wrappers import Response

HASH_LENGTH = 10
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "public, no-cache"
HASHED_NAME = re.compile(rf"^(?P<stem>.+)\.(?P<hash>[0-9a-f]{{{HASH_LENGTH}}})(?P<suffix>\.[A-Za-z0-9]+)$")
CSS_URL = re.compile(r"""url\(\s*(?P<quote>["']?)(?P<target>[^"')]+)(?P=quote)\s*\)""")
# Text compresses well; woff2, PNG and JPEG are compressed already.
COMPRESSIBLE = {"text/css", "text/javascript", "application/javascript", "image/svg+xml", "text/plain",
                "application/json", "application/manifest+json", "text/html"}


@dataclass(frozen=True)
class Asset:
    """One static file as sent: its bytes (a stylesheet's rewritten), their hash, and compressed copies."""

    name: str
    digest: str
    body: bytes
    mimetype: str
    gzipped: bytes | None
    brotlied: bytes | None
    stamp: tuple[int, int]

    @property
    def hashed_name(self) -> str:
        stem, dot, suffix = self.name.rpartition(".")
        return f"{stem}.{self.digest}.{suffix}" if dot else f"{self.name}.{self.digest}"


class AssetStore:
    """Reads, hashes and compresses static files once.

    Watching, it looks at the file on disk on every use and reads it again when it changed (development,
    where files are edited under a running server). Otherwise a file is read on first use and then served
    from memory without touching the disk: a page names a dozen static files, and a release restarts the
    processes anyway.
    """

    def __init__(self, folder: str | Path, *, watch: bool = True):
        self.folder = Path(folder).resolve()
        self.watch = watch
        self._assets: dict[str, Asset] = {}
        self._lock = threading.RLock()  # a stylesheet loads the fonts it names

    def path(self, name: str) -> Path | None:
        path = (self.folder / name).resolve()
        if not path.is_relative_to(self.folder) or not path.is_file():
            return None
        return path

    def get(self, name: str) -> Asset | None:
        if not self.watch and (asset := self._assets.get(name)) is not None:
            return asset
        path = self.path(name)
        if path is None:
            return None
        stat = path.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
        asset = self._assets.get(name)
        if asset is not None and asset.stamp == stamp and not self._dependencies_changed(asset):
            return asset
        with self._lock:
            asset = self._load(name, path, stamp)
            self._assets[name] = asset
        return asset

    def _dependencies_changed(self, asset: Asset) -> bool:
        # A stylesheet names fonts by their hashes: a changed font changes the stylesheet.
        if asset.mimetype != "text/css":
            return False
        return any(self._current_digest(name) != digest for name, digest in _css_references(asset).items())

    def _current_digest(self, name: str) -> str | None:
        found = self.get(name)
        return found.digest if found else None

    def _load(self, name: str, path: Path, stamp: tuple[int, int]) -> Asset:
        body = path.read_bytes()
        mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
        if name.endswith(".js"):
            mimetype = "text/javascript"
        if mimetype == "text/css":
            body = self._rewrite_css(name, body)
        digest = hashlib.sha256(body).hexdigest()[:HASH_LENGTH]
        gzipped = brotlied = None
        if mimetype in COMPRESSIBLE and len(body) > 512:
            gzipped = gzip.compress(body, compresslevel=9, mtime=0)
            brotlied = brotli.compress(body, quality=11)
        return Asset(name=name, digest=digest, body=body, mimetype=mimetype, gzipped=gzipped,
                     brotlied=brotlied, stamp=stamp)

    def _rewrite_css(self, name: str, body: bytes) -> bytes:
        base = Path(name).parent

        def hashed(match: re.Match) -> str:
            target = match.group("target")
            if ":" in target or target.startswith(("/", "#")):
                return match.group(0)
            referenced = (base / target).as_posix()
            asset = self.get(referenced)
            if asset is None:
                return match.group(0)
            relative = Path(target).parent / Path(asset.hashed_name).name
            return f'url("{relative.as_posix()}")'

        return CSS_URL.sub(hashed, body.decode()).encode()

    def hashed_name(self, name: str) -> str:
        asset = self.get(name)
        return asset.hashed_name if asset else name


def _css_references(asset: Asset) -> dict[str, str]:
    """The hashed files a rewritten stylesheet names, by plain name: {"fonts/x.woff2": "3f9c2a1b7e"}."""
    base = Path(asset.name).parent
    found = {}
    for match in CSS_URL.finditer(asset.body.decode()):
        hashed = HASHED_NAME.match((base / match.group("target")).as_posix())
        if hashed:
            found[hashed.group("stem") + hashed.group("suffix")] = hashed.group("hash")
    return found


def store() -> AssetStore:
    return current_app.extensions["shopledger_assets"]


def accepted_encoding() -> str | None:
    """The best encoding this request accepts: br, else gzip, else none."""
    accepted = request.accept_encodings
    if accepted["br"]:
        return "br"
    if accepted["gzip"]:
        return "gzip"
    return None


def _serve_static(filename: str):
    assets = store()
    hashed = HASHED_NAME.match(filename)
    asset = assets.get(hashed.group("stem") + hashed.group("suffix")) if hashed else None
    if asset is None:  # a plain name (or a file whose own name looks hashed)
        hashed, asset = None, assets.get(filename)
    if asset is None:
        abort(404)
    response = Response(mimetype=asset.mimetype)
    encoding = None
    if asset.gzipped is not None:
        encoding = accepted_encoding()
        response.vary.add("Accept-Encoding")
    body = {"br": asset.brotlied, "gzip": asset.gzipped}.get(encoding, asset.body)
    if encoding:
        response.headers["Content-Encoding"] = encoding
    response.set_data(body)
    response.set_etag(f"{asset.digest}-{encoding or 'identity'}")
    # The hash in the name is the current one: the file never changes under it. Any other name (the plain
    # one, an old release's hash) is checked again on every use.
    current = hashed is not None and hashed.group("hash") == asset.digest
    response.headers["Cache-Control"] = IMMUTABLE if current else REVALIDATE
    return response.make_conditional(request)


def init_app(app: Flask) -> None:
    """Serve static/ under hashed names and make url_for("static", ...) write them."""
    app.extensions["shopledger_assets"] = AssetStore(app.static_folder, watch=app.debug)
    app.view_functions["static"] = _serve_static

    @app.url_defaults
    def hash_static_names(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "filename" in values:
            values["filename"] = store().hashed_name(values["filename"])
