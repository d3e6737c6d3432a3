"""Uploaded pictures: checked by their content, turned upright, shrunk, re-encoded without metadata."""
from __future__ import annotations

import io
import secrets
import warnings
from pathlib import Path

from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import DomainError

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF", "MPO"}
# Past this many pixels a picture is refused before it is decoded (a "decompression bomb").
MAX_SOURCE_PIXELS = 50_000_000


def open_upload(data: bytes, *, max_bytes: int, field: str) -> Image.Image:
    """Decode an upload as a picture, or raise DomainError for the field; the result is upright."""
    if len(data) > max_bytes:
        raise DomainError(
            _("The picture is too large. Choose one under %(size)d MB.", size=max(1, max_bytes // (1024 * 1024))),
            field=field,
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in ACCEPTED_FORMATS:
                    raise UnidentifiedImageError(probe.format)
                if probe.width * probe.height > MAX_SOURCE_PIXELS:
                    raise Image.DecompressionBombError("too many pixels")
                probe.verify()
            image = Image.open(io.BytesIO(data))
            image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError,
            Image.DecompressionBombWarning):
        raise DomainError(_("That file is not a picture we can read. Choose a photo (JPEG or PNG)."), field=field)
    return ImageOps.exif_transpose(image)


def save_clean(image: Image.Image, folder: Path, *, max_edge: int, format: str) -> tuple[str, tuple[int, int]]:
    """Shrink to fit `max_edge`, copy the pixels only (no EXIF, no GPS), save under a random name."""
    image = image.copy()
    image.thumbnail((max_edge, max_edge))
    if format == "JPEG":
        image = image.convert("RGB")
    elif image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA")
    clean = Image.new(image.mode, image.size)
    clean.paste(image)
    extension = {"JPEG": "jpg", "PNG": "png"}[format]
    filename = f"{secrets.token_hex(16)}.{extension}"
    folder.mkdir(parents=True, exist_ok=True)
    options = {"quality": 85, "optimize": True} if format == "JPEG" else {"optimize": True}
    clean.save(folder / filename, format=format, **options)
    return filename, clean.size


def remove_files(paths: list[Path]) -> None:
    """Remove stored pictures, once the change that let go of them is committed."""
    for path in paths:
        path.unlink(missing_ok=True)
