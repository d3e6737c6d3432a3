"""Pages and fragments sent compressed (Brotli, else gzip) to browsers that accept it."""
from __future__ import annotations

import gzip

import brotli
from flask import Flask, request
from werkzeug.wrappers import Response

from .assets import COMPRESSIBLE, accepted_encoding
from .page_cache import page_cache

# Below this a compressed body saves less than its headers cost.
MIN_SIZE = 1024
# Fast settings: a page is compressed on every request (static files are compressed once, harder).
BROTLI_QUALITY = 5
GZIP_LEVEL = 6


def compress_response(response: Response) -> Response:
    """Compress a text answer in the encoding the browser prefers, and say that the answer varies by it."""
    if (
        request.endpoint == "static"  # compressed once, ahead, by shopledger.assets
        or request.method == "HEAD"
        or response.direct_passthrough
        or response.is_streamed
        or response.status_code < 200
        or response.status_code in (204, 206, 304)
        or "Content-Encoding" in response.headers
        or response.mimetype not in COMPRESSIBLE
    ):
        return response
    response.vary.add("Accept-Encoding")
    body = response.get_data()
    if len(body) < MIN_SIZE:
        return response
    encoding = accepted_encoding()
    if encoding is None:
        return response
    # A page served from the page cache keeps its compressed copies (shopledger/page_cache.py).
    kept = getattr(response, "page_cache_entry", None)
    packed = kept.compressed.get(encoding) if kept is not None else None
    if packed is None:
        packed = (brotli.compress(body, quality=BROTLI_QUALITY) if encoding == "br"
                  else gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0))
        if kept is not None:
            kept.compressed[encoding] = packed
            page_cache().grew(kept, len(packed))
    response.set_data(packed)
    response.headers["Content-Encoding"] = encoding
    if response.headers.get("ETag"):
        tag, weak = response.get_etag()
        response.set_etag(f"{tag}-{encoding}", weak=weak)
    return response


def init_app(app: Flask) -> None:
    # First in the list, so it runs last: after every other hook has had its say on the body and headers.
    app.after_request_funcs.setdefault(None, []).insert(0, compress_response)
