"""A shop's backup: one zip with all its data and pictures, kept daily, downloadable, restorable into a new shop.

The archive (format "shopledger-shop-backup", version 1):
- `data/<table>.jsonl`: every row of each of the shop's tables (TABLES), one JSON object a line, every
  column but those pointing at what is not backed up (NOT_BACKED_UP); `data/shops.jsonl` the shop's own
  row (its settings); `data/users.jsonl` the id, name and email of each person the rows name.
- `files/logo/<name>` and `files/photos/<name>`: the logo and the job photos with their thumbnails.
- `manifest.json`, written last: the format and its version, the schema revision, when and from which shop,
  the count of rows per table, the money totals, and the size and SHA-256 of every other member.

The rows are read in one snapshot (REPEATABLE READ on PostgreSQL, one read transaction on SQLite), so a
sale recorded while the backup runs is in it whole or not at all.

A restore makes a NEW shop, owned by whoever restores it, and never touches an existing one. It reads the
archive twice. The first pass writes nothing: it refuses the whole archive, with one clear message, when
anything is wrong with it — a name that reaches outside the archive, a link, an encrypted or oddly
compressed member, more members or more unpacked bytes than the limits (declared or actually read), a
nested archive, a member the manifest does not list or lists with another hash, a wrong format or version,
a row of another shop, a value of the wrong type, an id twice, a reference to a row the archive does not
have, books that do not add up. The second pass writes, in one transaction, giving every row a new id;
then the new shop is counted and summed against the manifest once more. Who the rows say did what is kept
only for people the restorer already works with as an owner (matched by email); others become "someone",
so an archive cannot put a stranger's name on anything, nor learn it.

Memberships and invitations are not in a backup (NOT_BACKED_UP says why). The whole database of an
installation is backed up differently: `flask shopledger backup-db` (SQLite's online backup API) or pg_dump.
"""
from __future__ import annotations

import enum
import hashlib
import io
import json
import os
import re
import secrets
import stat
import zipfile
import zlib
import zoneinfo
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

import phonenumbers
import sqlalchemy as sa
from babel.numbers import list_currencies
from flask import current_app
from flask_babel import gettext as _
from PIL import Image, UnidentifiedImageError
from sqlalchemy.types import TypeDecorator

from ..extensions import db
from ..models import Membership, Role, Shop, User
from . import audit, clock, ledger, photos, shops
from .errors import DomainError

FORMAT = "shopledger-shop-backup"
VERSION = 1
MANIFEST = "manifest.json"

# The shop's tables, parents before children: the order a restore writes them in.
TABLES = (
    "customers", "measurement_templates", "customer_measurements", "jobs", "job_status_changes", "job_notes",
    "job_photos", "invoices", "invoice_lines", "invoice_counters", "payments", "payment_allocations",
    "customer_messages", "reminder_marks", "audit_events",
)
# The shop's other tables, and why a backup leaves them out. A column of a backed-up table that points at
# one of these is left out too, and restores empty (customer_messages.link_id: the link is not restored).
NOT_BACKED_UP = {
    "memberships": "who may open the restored shop is decided anew: the person restoring it owns it and "
                   "invites the others",
    "invitations": "an invitation link is a key to the shop: restored, it would open the new shop to its holder",
    "share_links": "a public link is a key to an invoice or a statement: restored, an old link would open the "
                   "new shop; the shop shares new links from it",
    "share_link_views": "the openings of those links",
    "outbox_messages": "email the original shop sent or queued: a restored copy must not send it again",
    "notifications": "each member's daily news, for the people of the original shop",
    "invoice_totals": "the invoices list's sums, worked out again from the restored invoices",
}
SHOP_COLUMNS = ("id", "name", "phone", "address", "country", "currency", "timezone", "default_locale",
                "invoice_prefix", "payment_instructions", "logo_filename", "created_at")
SETTINGS = ("phone", "address", "country", "currency", "timezone", "default_locale", "invoice_prefix",
            "payment_instructions")
USER_COLUMNS = ("id", "name", "email")
# Audit events name their subject by kind and id, and some ids in their details: where each kind lives.
AUDIT_SUBJECTS = {"customer": "customers", "job": "jobs", "invoice": "invoices", "payment": "payments",
                  "measurement_template": "measurement_templates", "shop": "shops",
                  "receipt": "payments", "statement": "customers"}  # a link's kind names what it is of
AUDIT_DETAIL_IDS = {"invoice_id": "invoices", "customer_id": "customers", "photo_id": "job_photos",
                    "job_id": "jobs", "payment_id": "payments", "template_id": "measurement_templates",
                    "note_id": "job_notes", "user_id": "users", "invitation_id": None, "membership_id": None,
                    "link_id": None}
# A reminder mark names its subject by kind: an overdue invoice, a customer's balance, the shop's digest.
MARK_SUBJECTS = {"overdue": "invoices", "balance": "customers", "digest": "shops"}

_FILE_NAME = re.compile(r"[0-9a-f]{32}\.(?:jpg|png)")
_MEMBER = re.compile(r"data/[a-z_]+\.jsonl|files/(?:logo|photos)/[0-9a-f]{32}\.(?:jpg|png)")
_STORED = re.compile(r"(daily|manual)-(\d{8}-\d{6})-(\d{6})\.zip")
_ARCHIVE_SUFFIXES = (".zip", ".gz", ".tgz", ".tar", ".bz2", ".xz", ".7z", ".rar", ".jar")
_ARCHIVE_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"\x1f\x8b", b"BZh", b"\xfd7zXZ", b"7z\xbc\xaf", b"Rar!")
MAX_LINE_BYTES = 1024 * 1024
MAX_PICTURE_BYTES = 32 * 1024 * 1024
MAX_RATIO = 200  # unpacked bytes per packed byte, for members over a megabyte: JSON lines pack about 10:1
BATCH_ROWS = 1000


class ArchiveRefused(DomainError):
    """The archive cannot be restored; the message says why, for the file field."""

    def __init__(self, message: str):
        super().__init__(message, field="archive")


# --- The tables, as the archive has them ---------------------------------------------------------------

@dataclass(frozen=True)
class TableFormat:
    name: str
    table: sa.Table
    columns: tuple[sa.Column, ...]
    references: dict[str, str]  # column name -> the table its ids are in ("shops", "users" or one of TABLES)

    @property
    def keyed(self) -> bool:
        return _keyed(self.table)


@lru_cache(maxsize=64)
def _keyed(table: sa.Table) -> bool:
    return "id" in table.c and bool(table.c.id.primary_key)


def table_formats() -> list[TableFormat]:
    """Each backed-up table with the columns it keeps and where each id column points."""
    formats = []
    for name in TABLES:
        table = db.metadata.tables[name]
        columns, references = [], {}
        for column in table.columns:
            targets = {key.column.table.name for key in column.foreign_keys}
            if targets & set(NOT_BACKED_UP):
                continue
            columns.append(column)
            for target in targets:
                references[column.name] = target
        columns = tuple(columns)
        formats.append(TableFormat(name, table, columns, references))
    return formats


# --- Writing an archive ------------------------------------------------------------------------------------

def _plain(value):
    """A column's value as JSON: ISO dates and moments, exact decimals as text, enums as their value."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    return value


class _HashingWriter:
    """Writes to a zip member, counting and hashing what goes in."""

    def __init__(self, target):
        self.target, self.hash, self.size = target, hashlib.sha256(), 0

    def write(self, data: bytes) -> None:
        self.target.write(data)
        self.hash.update(data)
        self.size += len(data)


@dataclass
class Manifest:
    shop_id: int
    shop_name: str
    created_at: str
    counts: dict[str, int] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)
    members: dict[str, dict] = field(default_factory=dict)
    skipped_photos: int = 0

    def as_json(self) -> dict:
        return {
            "format": FORMAT, "version": VERSION, "created_at": self.created_at, "schema": _schema_revision(),
            "shop": {"id": self.shop_id, "name": self.shop_name}, "counts": self.counts, "totals": self.totals,
            "skipped_photos": self.skipped_photos, "members": self.members,
        }


def _schema_revision() -> str | None:
    try:
        return db.session.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    except sa.exc.DBAPIError:
        db.session.rollback()
        return None


def _snapshot_connection() -> sa.Connection:
    """A connection whose reads all see the database as it was at their first one."""
    connection = db.engine.connect()
    if connection.dialect.name == "sqlite":
        # pysqlite starts no transaction for a SELECT: without BEGIN every statement sees its own moment.
        connection.exec_driver_sql("BEGIN")
    else:
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
    return connection


def write_archive(shop: Shop, target: BinaryIO) -> Manifest:
    """Write the shop's backup into `target` (a file opened for writing); return what its manifest says."""
    manifest = Manifest(shop_id=shop.id, shop_name=shop.name,
                        created_at=clock.now().astimezone(timezone.utc).isoformat(timespec="seconds"))
    user_ids: set[int] = {row for row in db.session.scalars(
        sa.select(Membership.user_id).where(Membership.shop_id == shop.id))}
    totals = Counter(invoices_issued_minor=0, payments_live_minor=0, allocations_live_minor=0)
    pictures: list[tuple[str, Path]] = []
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive, \
            _snapshot_connection() as connection:
        shop_row = connection.execute(
            sa.select(*(Shop.__table__.c[name] for name in SHOP_COLUMNS)).where(Shop.id == shop.id)).one()
        shop_values = {name: _plain(value) for name, value in zip(SHOP_COLUMNS, shop_row)}
        logo = shops.logo_folder() / shop_values["logo_filename"] if shop_values["logo_filename"] else None
        if logo is not None and not (_FILE_NAME.fullmatch(logo.name) and logo.is_file()):
            shop_values["logo_filename"], logo = None, None
        if logo is not None:
            pictures.append((f"files/logo/{logo.name}", logo))
        _write_lines(archive, manifest, "data/shops.jsonl", [shop_values])
        photo_folder = photos.photo_folder(shop)
        for fmt in table_formats():
            user_columns = [name for name, target_table in fmt.references.items() if target_table == "users"]
            statement = sa.select(*fmt.columns).where(fmt.table.c.shop_id == shop.id)
            statement = statement.order_by(*fmt.table.primary_key.columns)
            rows = connection.execute(statement.execution_options(yield_per=BATCH_ROWS))

            def values(rows=rows, fmt=fmt, user_columns=user_columns):
                for row in rows:
                    record = {column.name: _plain(value) for column, value in zip(fmt.columns, row)}
                    if fmt.name == "job_photos":
                        files = [photo_folder / record["filename"], photo_folder / record["thumbnail_filename"]]
                        if not all(_FILE_NAME.fullmatch(path.name) and path.is_file() for path in files):
                            manifest.skipped_photos += 1  # its file went (deleted while the backup ran)
                            continue
                        pictures.extend((f"files/photos/{path.name}", path) for path in files)
                    user_ids.update(record[name] for name in user_columns if record[name] is not None)
                    _add_totals(totals, fmt.name, record)
                    yield record

            _write_lines(archive, manifest, f"data/{fmt.name}.jsonl", values())
        connection.rollback()
        users = db.session.execute(
            sa.select(User.id, User.name, User.email).where(User.id.in_(user_ids)).order_by(User.id)).all()
        _write_lines(archive, manifest, "data/users.jsonl",
                     [{"id": user.id, "name": user.name, "email": user.email} for user in users])
        for name, path in pictures:
            with path.open("rb") as source, archive.open(zipfile.ZipInfo(name, _zip_time()), "w") as member:
                writer = _HashingWriter(member)
                while chunk := source.read(1024 * 1024):
                    writer.write(chunk)
            manifest.members[name] = {"size": writer.size, "sha256": writer.hash.hexdigest()}
        manifest.totals = dict(totals)
        info = zipfile.ZipInfo(MANIFEST, _zip_time())
        info.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(info, json.dumps(manifest.as_json(), ensure_ascii=False, indent=1))
    return manifest


def _zip_time() -> tuple:
    return clock.now().astimezone(timezone.utc).timetuple()[:6]


def _write_lines(archive: zipfile.ZipFile, manifest: Manifest, name: str, records) -> None:
    info = zipfile.ZipInfo(name, _zip_time())
    info.compress_type = zipfile.ZIP_DEFLATED
    count = 0
    with archive.open(info, "w", force_zip64=True) as member:
        writer = _HashingWriter(member)
        buffer = []
        for record in records:
            buffer.append(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
            count += 1
            if len(buffer) >= BATCH_ROWS:
                writer.write(("\n".join(buffer) + "\n").encode("utf-8"))
                buffer.clear()
        if buffer:
            writer.write(("\n".join(buffer) + "\n").encode("utf-8"))
    manifest.members[name] = {"size": writer.size, "sha256": writer.hash.hexdigest()}
    manifest.counts[name.removeprefix("data/").removesuffix(".jsonl")] = count


def _add_totals(totals: Counter, table: str, record: dict) -> None:
    """The money sums a restore must reproduce (its balances follow from them)."""
    if table == "invoices" and record["status"] == "issued":
        totals["invoices_issued_minor"] += record["total_minor"]
    elif table == "payments" and record["voided_at"] is None:
        totals["payments_live_minor"] += record["amount_minor"]
    elif table == "payment_allocations" and record["voided_at"] is None:
        totals["allocations_live_minor"] += record["amount_minor"]


# --- Backups kept in the instance folder -------------------------------------------------------------------

@dataclass(frozen=True)
class StoredBackup:
    name: str
    kind: str  # daily or manual
    made_at: datetime
    size: int


def backup_folder(shop: Shop) -> Path:
    return Path(current_app.config["BACKUP_FOLDER"]) / str(shop.id)


def store_backup(shop: Shop, *, kind: str) -> StoredBackup:
    """Make a backup into the shop's backup folder, then keep only the newest BACKUP_KEEP of that kind."""
    if kind not in ("daily", "manual"):
        raise ValueError(f"unknown kind of backup {kind!r}")
    folder = backup_folder(shop)
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{kind}-{clock.now().astimezone(timezone.utc).strftime('%Y%m%d-%H%M%S-%f')}.zip"
    partial = folder / f".{name}.{secrets.token_hex(4)}.partial"
    try:
        with partial.open("wb") as target:
            write_archive(shop, target)
        os.replace(partial, folder / name)
    finally:
        partial.unlink(missing_ok=True)
    prune(shop, kind=kind, keep=int(current_app.config["BACKUP_KEEP"]))
    return _stored(folder / name)


PENDING = ".manual.pending"  # a backup asked for by hand, queued or being made
PENDING_FOR_AT_MOST = 3600


def mark_pending(shop: Shop) -> None:
    """Note that a backup was asked for, so the page can say it is on its way until it is there."""
    folder = backup_folder(shop)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / PENDING).touch()


def clear_pending(shop: Shop) -> None:
    (backup_folder(shop) / PENDING).unlink(missing_ok=True)


def is_pending(shop: Shop) -> bool:
    """Whether a backup asked for by hand is still being made (a worker that died gives up after an hour)."""
    try:
        asked = (backup_folder(shop) / PENDING).stat().st_mtime
    except FileNotFoundError:
        return False
    return asked > clock.now().timestamp() - PENDING_FOR_AT_MOST


def _stored(path: Path) -> StoredBackup:
    kind, stamp, micro = _STORED.fullmatch(path.name).groups()
    made = datetime.strptime(f"{stamp}{micro}", "%Y%m%d-%H%M%S%f").replace(tzinfo=timezone.utc)
    return StoredBackup(name=path.name, kind=kind, made_at=made, size=path.stat().st_size)


def stored_backups(shop: Shop) -> list[StoredBackup]:
    """The shop's kept backups, newest first."""
    folder = backup_folder(shop)
    if not folder.is_dir():
        return []
    found = [_stored(path) for path in folder.iterdir() if _STORED.fullmatch(path.name) and path.is_file()]
    return sorted(found, key=lambda backup: backup.made_at, reverse=True)


def stored_path(shop: Shop, name: str) -> Path | None:
    """The file of one of the shop's kept backups; None for any other name (never a path outside the folder)."""
    if not _STORED.fullmatch(name or ""):
        return None
    path = backup_folder(shop) / name
    return path if path.is_file() else None


def prune(shop: Shop, *, kind: str, keep: int) -> list[str]:
    """Remove all but the newest `keep` backups of this kind (and partial files a crash left behind)."""
    removed = []
    mine = [backup for backup in stored_backups(shop) if backup.kind == kind]
    for backup in mine[max(keep, 1):]:
        (backup_folder(shop) / backup.name).unlink(missing_ok=True)
        removed.append(backup.name)
    for leftover in backup_folder(shop).glob(f".{kind}-*.partial"):
        if leftover.stat().st_mtime < clock.now().timestamp() - 24 * 3600:
            leftover.unlink(missing_ok=True)
    return removed


# --- Reading an archive: the checks --------------------------------------------------------------------------

def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):,.0f} MB"


class _Checked(io.RawIOBase):
    """Reads a member, refusing past its declared size or the limit, and hashing what it reads."""

    def __init__(self, source, *, name: str, limit: int):
        self.source, self.name, self.limit = source, name, limit
        self.hash, self.size = hashlib.sha256(), 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        count = self.source.readinto(buffer)
        self.size += count
        if self.size > self.limit:
            raise ArchiveRefused(_("%(name)s in the archive unpacks to more than it says or may: refused as a "
                                   "zip bomb.", name=self.name))
        self.hash.update(memoryview(buffer)[:count])
        return count


@dataclass
class _Plan:
    """What the first pass learnt: enough to write the second without holding the rows in memory."""

    manifest: dict
    shop: dict
    users: dict[int, dict]
    ids: dict[str, set[int]]
    photo_files: set[str]
    totals: dict[str, int]  # the invoices list's sums: count, total_minor (not void), due_minor (issued)


class _Reader:
    def __init__(self, archive: zipfile.ZipFile, manifest: dict):
        self.archive, self.manifest = archive, manifest

    def member(self, name: str):
        info = self.archive.getinfo(name)
        return _Checked(self.archive.open(info), name=name, limit=info.file_size)

    def lines(self, name: str):
        """(line number, object) for each line of a JSON-lines member, its hash checked at the end."""
        checked = self.member(name)
        stream = io.BufferedReader(checked, buffer_size=256 * 1024)
        number = 0
        while True:
            line = stream.readline(MAX_LINE_BYTES + 1)
            if not line:
                break
            number += 1
            if len(line) > MAX_LINE_BYTES:
                raise ArchiveRefused(_("Line %(line)d of %(name)s is too long.", line=number, name=name))
            try:
                record = json.loads(line)
            except ValueError:
                raise ArchiveRefused(_("Line %(line)d of %(name)s is not valid JSON.", line=number,
                                       name=name)) from None
            if not isinstance(record, dict):
                raise ArchiveRefused(_("Line %(line)d of %(name)s is not a row.", line=number, name=name))
            yield number, record
        self._check_hash(name, checked)

    def read(self, name: str) -> bytes:
        checked = self.member(name)
        data = io.BufferedReader(checked).read()
        self._check_hash(name, checked)
        return data

    def _check_hash(self, name: str, checked: _Checked) -> None:
        listed = self.manifest["members"][name]
        if checked.size != listed["size"] or checked.hash.hexdigest() != listed["sha256"]:
            raise ArchiveRefused(_("%(name)s has been changed since the backup was made: its SHA-256 does not match "
                                   "the manifest.", name=name))


def open_archive(source: BinaryIO) -> tuple[zipfile.ZipFile, dict]:
    """Open an uploaded archive and check its members and manifest, reading no data yet."""
    config = current_app.config
    try:
        archive = zipfile.ZipFile(source)
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise ArchiveRefused(_("This file is not a ShopLedger backup: it is not a zip archive.")) from None
    if len(infos) > config["BACKUP_MAX_MEMBERS"]:
        raise ArchiveRefused(_("The archive holds more than %(count)d files: refused.",
                               count=config["BACKUP_MAX_MEMBERS"]))
    seen = set()
    unpacked = 0
    for info in infos:
        name = info.filename
        if (name.startswith(("/", "\\")) or "\\" in name or ".." in name.split("/") or re.match(r"[A-Za-z]:", name)
                or "\x00" in name):
            raise ArchiveRefused(_("The archive has a file whose name reaches outside it (%(name)s): refused.",
                                   name=name[:100]))
        kind = stat.S_IFMT(info.external_attr >> 16)  # Unix file type bits (none when the packer set none)
        if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
            raise ArchiveRefused(_("The archive has a link or a special file (%(name)s); a backup never does.",
                                   name=name[:100]))
        if name in seen:
            raise ArchiveRefused(_("The archive holds two files named %(name)s.", name=name[:100]))
        seen.add(name)
        if name.lower().endswith(_ARCHIVE_SUFFIXES):
            raise ArchiveRefused(_("The archive holds another archive (%(name)s): refused.", name=name[:100]))
        if name != MANIFEST and not _MEMBER.fullmatch(name):
            raise ArchiveRefused(_("The archive has a file a ShopLedger backup never has (%(name)s).",
                                   name=name[:100]))
        if info.flag_bits & 0x1:
            raise ArchiveRefused(_("The archive is protected by a password."))
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise ArchiveRefused(_("The archive is packed in a way ShopLedger does not read (%(name)s).",
                                   name=name[:100]))
        unpacked += info.file_size
        if (unpacked > config["BACKUP_MAX_UNPACKED_BYTES"]
                or info.file_size > 1024 * 1024 and info.file_size > MAX_RATIO * max(info.compress_size, 1)):
            raise ArchiveRefused(_("The archive would unpack to more than it may (%(size)s): refused as a zip bomb.",
                                   size=_megabytes(max(unpacked, info.file_size))))
    if MANIFEST not in seen:
        raise ArchiveRefused(_("This file is not a ShopLedger backup: it has no manifest."))
    if archive.getinfo(MANIFEST).file_size > 1024 * 1024 + 200 * len(infos):
        raise ArchiveRefused(_("The archive's manifest is too large."))
    try:
        manifest = json.loads(io.BufferedReader(_Checked(archive.open(MANIFEST), name=MANIFEST,
                                                         limit=archive.getinfo(MANIFEST).file_size)).read())
    except (ValueError, zipfile.BadZipFile):
        raise ArchiveRefused(_("The archive's manifest is damaged.")) from None
    _check_manifest(manifest, seen - {MANIFEST})
    return archive, manifest


def _check_manifest(manifest, names: set[str]) -> None:
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ArchiveRefused(_("This file is not a ShopLedger backup: its manifest says it is something else."))
    version = manifest.get("version")
    if version != VERSION:
        if isinstance(version, int) and not isinstance(version, bool) and version > VERSION:
            raise ArchiveRefused(_("This backup was made by a newer ShopLedger (format %(version)d). Update "
                                   "ShopLedger, then restore it.", version=version))
        raise ArchiveRefused(_("This backup's format version is not one ShopLedger reads."))
    shop, counts, members = manifest.get("shop"), manifest.get("counts"), manifest.get("members")
    if not (isinstance(shop, dict) and _is_int(shop.get("id")) and isinstance(counts, dict)
            and isinstance(members, dict) and isinstance(manifest.get("totals"), dict)
            and all(_is_int(value) for value in manifest["totals"].values())):
        raise ArchiveRefused(_("The archive's manifest is incomplete."))
    for name, listed in members.items():
        if not (isinstance(listed, dict) and _is_int(listed.get("size")) and isinstance(listed.get("sha256"), str)
                and re.fullmatch(r"[0-9a-f]{64}", listed["sha256"])):
            raise ArchiveRefused(_("The archive's manifest is incomplete."))
    if set(members) != names:
        extra, missing = sorted(names - set(members)), sorted(set(members) - names)
        raise ArchiveRefused(_("The archive and its manifest disagree on which files it holds (%(names)s).",
                               names=", ".join((extra + missing)[:3])))
    expected = {f"data/{name}.jsonl" for name in (*TABLES, "shops", "users")}
    data = {name for name in names if name.startswith("data/")}
    if data != expected:
        raise ArchiveRefused(_("The archive does not hold the tables a ShopLedger backup holds (%(names)s).",
                               names=", ".join(sorted(data ^ expected)[:3])))
    for name in (*TABLES, "shops", "users"):
        if not _is_int(counts.get(name)):
            raise ArchiveRefused(_("The archive's manifest is incomplete."))


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _coercer(column: sa.Column):
    """A function taking a JSON value to the column's Python type, raising ValueError for a value of the wrong
    type, size or range. Chosen once per column: a restore calls it for every cell of every row."""
    kind = column.type
    aware = isinstance(kind, TypeDecorator)
    if aware:
        kind = kind.impl
    if isinstance(kind, sa.Enum):
        allowed, enum_class = frozenset(kind.enums), kind.enum_class

        def coerce(value):
            if type(value) is not str or value not in allowed:
                raise ValueError(value)
            return enum_class(value) if enum_class else value
    elif isinstance(kind, sa.DateTime):
        def coerce(value):
            moment = datetime.fromisoformat(value)
            if moment.tzinfo is None:
                raise ValueError(value)
            return moment.astimezone(timezone.utc) if aware else moment
    elif isinstance(kind, sa.Date):
        def coerce(value):
            if type(value) is not str or len(value) != 10:
                raise ValueError(value)
            return date.fromisoformat(value)
    elif isinstance(kind, sa.Time):
        def coerce(value):
            return time.fromisoformat(value)
    elif isinstance(kind, sa.Numeric):
        scale, precision = kind.scale or 0, kind.precision or 38

        def coerce(value):
            if type(value) is not str and type(value) is not int:
                raise ValueError(value)
            number = Decimal(value)
            _sign, digits, exponent = number.as_tuple()
            if not number.is_finite() or -exponent > scale or max(len(digits) + exponent, 0) > precision - scale:
                raise ValueError(value)
            return number
    elif isinstance(kind, sa.Boolean):
        def coerce(value):
            if type(value) is not bool:
                raise ValueError(value)
            return value
    elif isinstance(kind, sa.Integer):
        def coerce(value):
            if type(value) is not int or not -2 ** 63 < value < 2 ** 63:
                raise ValueError(value)
            return value
    elif isinstance(kind, sa.JSON):
        def coerce(value):
            return value
    elif isinstance(kind, sa.String):
        length = kind.length

        def coerce(value):
            if type(value) is not str or "\x00" in value or (length and len(value) > length):
                raise ValueError(value)
            return value
    else:
        raise TypeError(f"no rule for {column.type!r}")
    return coerce


@dataclass(frozen=True)
class _Shape:
    """How to read a table's rows: each column's name, reader, and what a missing value becomes."""

    names: frozenset[str]
    columns: tuple[tuple[str, object, bool, bool, object], ...]  # name, coerce, nullable, has default, default


@lru_cache(maxsize=64)
def _shape(columns: tuple[sa.Column, ...]) -> _Shape:
    return _Shape(
        names=frozenset(column.name for column in columns),
        columns=tuple(
            (column.name, _coercer(column), bool(column.nullable and not column.primary_key),
             column.default is not None and column.default.is_scalar,
             column.default.arg if column.default is not None and column.default.is_scalar else None)
            for column in columns
        ),
    )


def _row(columns: tuple[sa.Column, ...], record: dict, where: str) -> dict:
    """A row of the archive as the table's Python values; refuse an unknown column or a value that is not valid."""
    shape = _shape(tuple(columns))
    if not record.keys() <= shape.names:
        unknown = sorted(record.keys() - shape.names)
        raise ArchiveRefused(_("%(where)s has columns this ShopLedger does not know (%(names)s): was it made by a "
                               "newer version?", where=where, names=", ".join(unknown[:3])))
    values = {}
    for name, coerce, nullable, has_default, default in shape.columns:
        if name in record:
            value = record[name]
            if value is None:
                if not nullable:
                    raise ArchiveRefused(_("%(where)s has no %(column)s.", where=where, column=name))
                values[name] = None
                continue
            try:
                values[name] = coerce(value)
            except (ValueError, TypeError, InvalidOperation):
                raise ArchiveRefused(_("%(where)s has a %(column)s that is not valid.", where=where,
                                       column=name)) from None
        elif has_default:
            values[name] = default  # a column added since, with a plain default
        elif nullable:
            values[name] = None
        else:
            raise ArchiveRefused(_("%(where)s has no %(column)s.", where=where, column=name))
    return values


def _check_settings(values: dict) -> None:
    """The restored shop's settings follow the settings page's rules."""
    problems = []
    if values["country"] not in phonenumbers.SUPPORTED_REGIONS:
        problems.append("country")
    if values["currency"] not in list_currencies():
        problems.append("currency")
    if values["timezone"] not in zoneinfo.available_timezones():
        problems.append("timezone")
    if values["default_locale"] not in current_app.config["LANGUAGES"]:
        problems.append("default_locale")
    prefix = values["invoice_prefix"]
    if not prefix or not prefix.replace("-", "").isalnum() or not prefix.isascii() or prefix != prefix.upper():
        problems.append("invoice_prefix")
    if problems:
        raise ArchiveRefused(_("The shop's settings in the archive are not valid (%(names)s).",
                               names=", ".join(problems)))


def check_archive(source: BinaryIO) -> tuple[zipfile.ZipFile, _Plan]:
    """The first pass: read all of the archive and refuse it whole if anything is wrong. Writes nothing."""
    try:
        return _check_archive(source)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError):
        raise ArchiveRefused(_("The archive is damaged: a file in it does not unpack to what it says.")) from None


def _check_archive(source: BinaryIO) -> tuple[zipfile.ZipFile, _Plan]:
    archive, manifest = open_archive(source)
    reader = _Reader(archive, manifest)
    shop_id = manifest["shop"]["id"]
    counts = manifest["counts"]
    shop_table = Shop.__table__
    shop_rows = [_row([shop_table.c[name] for name in SHOP_COLUMNS], record, f"shops.jsonl line {number}")
                 for number, record in reader.lines("data/shops.jsonl")]
    if len(shop_rows) != 1 or counts["shops"] != 1:
        raise ArchiveRefused(_("The archive must hold exactly one shop."))
    shop = shop_rows[0]
    if shop.get("id") != shop_id:
        raise ArchiveRefused(_("The archive's shop is not the one its manifest names."))
    _check_settings(shop)
    user_table = User.__table__
    users = {}
    for number, record in reader.lines("data/users.jsonl"):
        user = _row([user_table.c[name] for name in USER_COLUMNS], record, f"users.jsonl line {number}")
        if user.get("id") is None or user["id"] in users:
            raise ArchiveRefused(_("users.jsonl lists a person twice, or without an id."))
        users[user["id"]] = user
    if counts["users"] != len(users):
        raise ArchiveRefused(_("The archive's manifest counts %(count)d rows in %(name)s, and it holds %(rows)d.",
                               count=counts["users"], name="users.jsonl", rows=len(users)))

    ids: dict[str, set[int]] = {"shops": {shop_id}, "users": set(users)}
    files: set[str] = set()
    books = _Books()
    for fmt in table_formats():
        name = f"data/{fmt.name}.jsonl"
        seen = set()
        unique = _unique_checks(fmt)
        own_references = []  # (where, id) naming another row of the same table (a corrected invoice)
        count = 0
        for number, record in reader.lines(name):
            count += 1
            where = f"{fmt.name}.jsonl line {number}"
            values = _row(fmt.columns, record, where)
            if values.get("shop_id") != shop_id:
                raise ArchiveRefused(_("%(where)s belongs to another shop (%(id)s), not to the one this backup is "
                                       "of: refused.", where=where, id=values.get("shop_id")))
            if fmt.keyed:
                if values["id"] in seen:
                    raise ArchiveRefused(_("%(where)s repeats an id (%(id)s).", where=where, id=values["id"]))
                seen.add(values["id"])
            for column, target in fmt.references.items():
                value = values.get(column)
                if value is None or column == "shop_id":
                    continue
                if target == fmt.name:
                    own_references.append((where, value))
                elif value not in ids.get(target, ()):
                    raise ArchiveRefused(_("%(where)s refers to %(table)s %(id)s, which the archive does not hold: "
                                           "its ids are not consistent.", where=where, table=target, id=value))
            for columns, taken in unique:
                key = tuple(values.get(column) for column in columns)
                if None not in key:
                    if key in taken:
                        raise ArchiveRefused(_("%(where)s repeats %(columns)s of another row.", where=where,
                                               columns=", ".join(columns)))
                    taken.add(key)
            if fmt.name == "reminder_marks":
                subject_table = MARK_SUBJECTS.get(getattr(values["kind"], "value", values["kind"]))
                if subject_table is None or values["subject_id"] not in ids.get(subject_table, ()):
                    raise ArchiveRefused(_("%(where)s refers to %(table)s %(id)s, which the archive does not hold: "
                                           "its ids are not consistent.", where=where, table=subject_table or "?",
                                           id=values["subject_id"]))
            if fmt.name == "job_photos":
                files.update((values["filename"], values["thumbnail_filename"]))
                if not all(_FILE_NAME.fullmatch(values[key]) for key in ("filename", "thumbnail_filename")):
                    raise ArchiveRefused(_("%(where)s names a photo file that is not valid.", where=where))
            books.add(fmt.name, values, where)
        for where, value in own_references:
            if value not in seen:
                raise ArchiveRefused(_("%(where)s refers to %(table)s %(id)s, which the archive does not hold: "
                                       "its ids are not consistent.", where=where, table=fmt.name, id=value))
        if count != counts[fmt.name]:
            raise ArchiveRefused(_("The archive's manifest counts %(count)d rows in %(name)s, and it holds %(rows)d.",
                                   count=counts[fmt.name], name=f"{fmt.name}.jsonl", rows=count))
        ids[fmt.name] = seen
    books.check(manifest["totals"])

    logo = shop.get("logo_filename")
    if logo is not None and not _FILE_NAME.fullmatch(logo):
        raise ArchiveRefused(_("The shop's logo file name is not valid."))
    wanted = {f"files/photos/{name}" for name in files} | ({f"files/logo/{logo}"} if logo else set())
    present = {name for name in manifest["members"] if name.startswith("files/")}
    if wanted != present:
        raise ArchiveRefused(_("The archive's pictures do not match its rows (%(names)s).",
                               names=", ".join(sorted(wanted ^ present)[:3])))
    for name in sorted(present):
        _check_picture(name, reader.read(name))
    return archive, _Plan(manifest=manifest, shop=shop, users=users, ids=ids, photo_files=files,
                          totals=books.invoice_totals())


def _unique_checks(fmt: TableFormat) -> list[tuple[tuple[str, ...], set]]:
    """The table's unique constraints, as column tuples to check within the archive (the shop's own part)."""
    checks = []
    key = tuple(column.name for column in fmt.table.primary_key.columns if column.name != "shop_id")
    if key and key != ("id",):
        checks.append((key, set()))
    for constraint in fmt.table.constraints:
        if isinstance(constraint, sa.UniqueConstraint):
            columns = tuple(column.name for column in constraint.columns if column.name != "shop_id")
            if columns:
                checks.append((columns, set()))
    for column in fmt.columns:
        if column.unique:
            checks.append(((column.name,), set()))
    return checks


def _check_picture(name: str, data: bytes) -> None:
    if len(data) > MAX_PICTURE_BYTES or data.startswith(_ARCHIVE_MAGIC):
        raise ArchiveRefused(_("The archive holds another archive (%(name)s): refused.", name=name))
    try:
        with Image.open(io.BytesIO(data)) as picture:
            if picture.format not in ("JPEG", "PNG") or picture.width * picture.height > 50_000_000:
                raise UnidentifiedImageError(name)
            picture.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ArchiveRefused(_("%(name)s in the archive is not a picture.", name=name)) from None


class _Books:
    """The ledger's own rules, checked across the archive's tables: the sums a restore must reproduce."""

    def __init__(self):
        self.invoices: dict[int, tuple[int, str, int]] = {}  # id -> customer, status, total
        self.line_totals: Counter = Counter()
        self.payments: dict[int, tuple[int, int, bool]] = {}  # id -> customer, amount, live
        self.paid: Counter = Counter()
        self.allocated: Counter = Counter()
        self.totals = Counter(invoices_issued_minor=0, payments_live_minor=0, allocations_live_minor=0)

    def add(self, table: str, values: dict, where: str) -> None:
        if table == "invoices":
            status = values["status"].value if isinstance(values["status"], enum.Enum) else values["status"]
            self.invoices[values["id"]] = (values["customer_id"], status, values["total_minor"])
            if status == "issued":
                self.totals["invoices_issued_minor"] += values["total_minor"]
                if not values.get("number"):
                    raise ArchiveRefused(_("%(where)s is an issued invoice without a number.", where=where))
        elif table == "invoice_lines":
            self.line_totals[values["invoice_id"]] += values["total_minor"]
        elif table == "payments":
            live = values["voided_at"] is None
            self.payments[values["id"]] = (values["customer_id"], values["amount_minor"], live)
            if live:
                self.totals["payments_live_minor"] += values["amount_minor"]
            if values["amount_minor"] <= 0:
                raise ArchiveRefused(_("%(where)s is a payment of nothing.", where=where))
        elif table == "payment_allocations":
            invoice, payment = self.invoices[values["invoice_id"]], self.payments[values["payment_id"]]
            if invoice[0] != payment[0]:
                raise ArchiveRefused(_("%(where)s sets one customer's payment against another's invoice.",
                                       where=where))
            if values["voided_at"] is None:
                if values["amount_minor"] <= 0 or invoice[1] != "issued" or not payment[2]:
                    raise ArchiveRefused(_("%(where)s is not an allocation the ledger allows.", where=where))
                self.paid[values["invoice_id"]] += values["amount_minor"]
                self.allocated[values["payment_id"]] += values["amount_minor"]
                self.totals["allocations_live_minor"] += values["amount_minor"]

    def invoice_totals(self) -> dict[str, int]:
        return {
            "count": len(self.invoices),
            "total_minor": sum(total for _customer, status, total in self.invoices.values() if status != "void"),
            "due_minor": sum(total - self.paid[invoice_id] for invoice_id, (_customer, status, total)
                             in self.invoices.items() if status == "issued"),
        }

    def check(self, totals: dict) -> None:
        for invoice_id, (_customer, _status, total) in self.invoices.items():
            if self.line_totals[invoice_id] != total:
                raise ArchiveRefused(_("Invoice %(id)s's lines do not add up to its total.", id=invoice_id))
            if self.paid[invoice_id] > total:
                raise ArchiveRefused(_("Invoice %(id)s is paid more than its total.", id=invoice_id))
        for payment_id, (_customer, amount, _live) in self.payments.items():
            if self.allocated[payment_id] > amount:
                raise ArchiveRefused(_("Payment %(id)s is set against more than was paid.", id=payment_id))
        if {name: totals.get(name) for name in self.totals} != dict(self.totals):
            raise ArchiveRefused(_("The archive's totals do not match its rows."))


# --- Restoring -----------------------------------------------------------------------------------------------

@dataclass
class Restored:
    shop: Shop
    files: list[Path]  # written for the new shop: to remove if its transaction does not commit
    counts: dict[str, int]


def restore(source: BinaryIO, *, by: User, name: str | None = None) -> Restored:
    """Check the archive whole, then copy it into a new shop owned by `by`. Flushes, never commits.

    Raises ArchiveRefused (nothing written: no rows flushed, no files left) when the archive cannot be
    restored. On any failure after the check the files written so far are removed before it re-raises;
    the caller rolls back.
    """
    archive, plan = check_archive(source)
    written: list[Path] = []
    try:
        with archive:
            shop, counts = _write_shop(archive, plan, by=by, name=name, written=written)
    except Exception:
        _remove(written)
        raise
    return Restored(shop=shop, files=written, counts=counts)


def discard(restored: Restored) -> None:
    """Remove a restore's files when its transaction was rolled back."""
    _remove(restored.files)


def _remove(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


def _user_map(plan: _Plan, by: User) -> dict[int, int | None]:
    """Archived people to people here: only those `by` already works with as an owner, matched by email."""
    mine = sa.select(Membership.shop_id).where(Membership.user_id == by.id, Membership.role == Role.OWNER)
    colleagues = {email.lower(): user_id for user_id, email in db.session.execute(
        sa.select(User.id, User.email).where(User.id.in_(
            sa.select(Membership.user_id).where(Membership.shop_id.in_(mine)))))}
    colleagues[by.email.lower()] = by.id
    return {old: colleagues.get(user["email"].lower()) for old, user in plan.users.items()}


def _write_shop(archive: zipfile.ZipFile, plan: _Plan, *, by: User, name: str | None,
                written: list[Path]) -> tuple[Shop, dict[str, int]]:
    reader = _Reader(archive, plan.manifest)
    original = plan.shop
    new_name = (name or "").strip() or _("%(name)s (restored)", name=original["name"])
    shop = shops.create_shop(owner=by, name=new_name[:120], locale=original["default_locale"])
    try:
        shops.update_settings(shop, by=by, **{key: original[key] or "" for key in SETTINGS})
    except DomainError as error:
        raise ArchiveRefused(_("The shop's settings in the archive are not valid (%(names)s).",
                               names=error.field or "")) from None
    db.session.flush()
    audit_table = db.metadata.tables["audit_events"]
    made_here = db.session.scalar(sa.select(sa.func.count()).select_from(audit_table)
                                  .where(audit_table.c.shop_id == shop.id)) + 1  # and "restored", below
    if original.get("logo_filename"):
        shop.logo_filename = _copy_picture(reader, f"files/logo/{original['logo_filename']}", shops.logo_folder(),
                                           written)
    maps: dict[str, dict[int, int | None]] = {"shops": {plan.manifest["shop"]["id"]: shop.id},
                                              "users": _user_map(plan, by)}
    photo_names: dict[str, str] = {}
    if plan.photo_files:
        folder = photos.photo_folder(shop)
        for old in sorted(plan.photo_files):
            photo_names[old] = _copy_picture(reader, f"files/photos/{old}", folder, written)
    connection = db.session.connection()
    counts = {}
    for fmt in table_formats():
        counts[fmt.name] = _write_table(connection, reader, fmt, maps, photo_names)
    _stored_sums(shop, plan.totals)
    audit.record(shop, "shop.restored", by=by, subject_type="shop", subject_id=shop.id,
                 original=original["name"], backup_made_at=plan.manifest.get("created_at"), counts=counts)
    db.session.flush()
    _check_restored(shop, plan.manifest, made_here)
    return shop, counts


def _copy_picture(reader: _Reader, member: str, folder: Path, written: list[Path]) -> str:
    data = reader.read(member)
    folder.mkdir(parents=True, exist_ok=True)
    new_name = f"{secrets.token_hex(16)}{Path(member).suffix}"
    path = folder / new_name
    written.append(path)
    with path.open("xb") as target:
        target.write(data)
    return new_name


def _write_table(connection: sa.Connection, reader: _Reader, fmt: TableFormat,
                 maps: dict[str, dict[int, int | None]], photo_names: dict[str, str]) -> int:
    table = fmt.table
    own = maps.setdefault(fmt.name, {}) if fmt.keyed else None
    later: list[tuple[int, str, int, dict]] = []  # (old id, column, old id it names in the same table, kept)
    # Setting the reference afterwards is an UPDATE: the columns it would stamp (updated_at) keep their value.
    stamped = [column.name for column in fmt.columns if column.onupdate is not None]
    batch: list[tuple[int | None, dict]] = []
    count = 0

    def flush() -> None:
        if not batch:
            return
        parameters = [values for _old, values in batch]
        if fmt.keyed:
            statement = sa.insert(table).returning(table.c.id, sort_by_parameter_order=True)
            new_ids = connection.execute(statement, parameters).scalars().all()
            for (old, _values), new in zip(batch, new_ids):
                own[old] = new
        else:
            connection.execute(sa.insert(table), parameters)
        batch.clear()

    for number, record in reader.lines(f"data/{fmt.name}.jsonl"):
        values = _row(fmt.columns, record, f"{fmt.name}.jsonl line {number}")
        old_id = values.pop("id", None) if fmt.keyed else None
        for column, target in fmt.references.items():
            value = values.get(column)
            if value is None:
                continue
            if target == fmt.name:
                later.append((old_id, column, value, {name: values.get(name) for name in stamped}))
                values[column] = None
            else:
                values[column] = maps[target].get(value)
        if fmt.name == "job_photos":
            values["filename"] = photo_names[values["filename"]]
            values["thumbnail_filename"] = photo_names[values["thumbnail_filename"]]
        elif fmt.name == "audit_events":
            _remap_audit(values, maps)
        elif fmt.name == "reminder_marks":
            values["subject_id"] = maps[MARK_SUBJECTS[values["kind"].value]][values["subject_id"]]
        batch.append((old_id, values))
        count += 1
        if len(batch) >= BATCH_ROWS:
            flush()
    flush()
    for old_id, column, named, kept in later:
        connection.execute(sa.update(table).where(table.c.id == own[old_id]).values({column: own[named], **kept}))
    return count


def _remap_audit(values: dict, maps: dict[str, dict[int, int | None]]) -> None:
    """An event's subject and the ids in its details, as the new shop numbers them (none for what is gone)."""
    target = AUDIT_SUBJECTS.get(values["subject_type"])
    subject = values.get("subject_id")
    values["subject_id"] = maps.get(target, {}).get(subject) if target and subject is not None else None
    details = values.get("details")
    if isinstance(details, dict):
        remapped = dict(details)
        for key, table in AUDIT_DETAIL_IDS.items():
            if key in remapped:
                value = remapped[key]
                remapped[key] = maps.get(table, {}).get(value) if table and _is_int(value) else None
        values["details"] = remapped


def _stored_sums(shop: Shop, invoice_totals: dict[str, int]) -> None:
    """The stored sums came with the rows; the shop's invoice totals are added the way the services add them.

    Should the archive's stored sums disagree with its rows (a shop whose sums had drifted), they are
    worked out again from the restored rows.
    """
    ledger.add_to_invoice_totals(shop.id, count=invoice_totals["count"], total_minor=invoice_totals["total_minor"],
                                 due_minor=invoice_totals["due_minor"])
    db.session.flush()
    if ledger.stored_amount_mismatches(shop.id):
        ledger.recompute_stored_amounts(shop.id)


def _check_restored(shop: Shop, manifest: dict, made_here: int) -> None:
    """Count and sum the new shop once more: it must be what the manifest says the original was."""
    tables = db.metadata.tables
    for name in TABLES:
        table = tables[name]
        expected = manifest["counts"][name] + (made_here if name == "audit_events" else 0)
        found = db.session.scalar(sa.select(sa.func.count()).select_from(table).where(table.c.shop_id == shop.id))
        if found != expected:
            raise ArchiveRefused(_("The restored shop does not match the archive (%(name)s): nothing was restored.",
                                   name=name))
    invoices, payments = tables["invoices"], tables["payments"]
    allocations = tables["payment_allocations"]
    sums = {
        "invoices_issued_minor": sa.select(sa.func.coalesce(sa.func.sum(invoices.c.total_minor), 0))
        .where(invoices.c.shop_id == shop.id, invoices.c.status == "issued"),
        "payments_live_minor": sa.select(sa.func.coalesce(sa.func.sum(payments.c.amount_minor), 0))
        .where(payments.c.shop_id == shop.id, payments.c.voided_at.is_(None)),
        "allocations_live_minor": sa.select(sa.func.coalesce(sa.func.sum(allocations.c.amount_minor), 0))
        .where(allocations.c.shop_id == shop.id, allocations.c.voided_at.is_(None)),
    }
    for name, statement in sums.items():
        if int(db.session.scalar(statement)) != manifest["totals"][name]:
            raise ArchiveRefused(_("The restored shop does not match the archive (%(name)s): nothing was restored.",
                                   name=name))


# --- The whole database (an installation's own backup) -------------------------------------------------------

def backup_sqlite_database(destination: Path) -> int:
    """Copy the app's SQLite database with SQLite's online backup API (safe while it is in use); return its size.

    Never a copy of the live file: a copy taken mid-write, or without the -wal file beside it, can be torn.
    """
    import sqlite3

    url = db.engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise ValueError("not a SQLite database file")
    destination = Path(destination)
    partial = destination.with_name(f".{destination.name}.{secrets.token_hex(4)}.partial")
    source = sqlite3.connect(f"file:{url.database}?mode=ro", uri=True)
    try:
        target = sqlite3.connect(partial)
        try:
            source.backup(target, pages=4096)
            target.execute("PRAGMA journal_mode=DELETE")
            integrity = target.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            target.close()
        if integrity != "ok":
            raise RuntimeError(f"the copy failed its integrity check: {integrity}")
        os.replace(partial, destination)
    finally:
        source.close()
        partial.unlink(missing_ok=True)
    return destination.stat().st_size
