"""A shop's backup and restore: the demo shop comes back as a new shop, row by row and total by total; a bad
or hostile archive is refused whole with nothing written; the nightly backup keeps the last N; the whole
SQLite database is copied with the online backup API."""
from __future__ import annotations

import hashlib
import io
import json
import sqlite3
import stat
import struct
import warnings
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image

from shopledger.models import Customer, Invoice, InvoiceStatus, Job, Shop, User
from shopledger.models.reminders import MarkKind, ReminderMark
from shopledger.services import backup, clock, job_notes, ledger, links, photos, shops
from shopledger.services.backup import ArchiveRefused
from shopledger.services.invoices import LineDraft


@pytest.fixture(autouse=True)
def own_folders(app, tmp_path, monkeypatch):
    """Backups and import previews in this test's own folders: shop ids start again in every test."""
    monkeypatch.setitem(app.config, "BACKUP_FOLDER", str(tmp_path / "backups"))
    monkeypatch.setitem(app.config, "IMPORT_FOLDER", str(tmp_path / "imports"))

OWNER_EMAIL = "owner@noortailors.example.com"


def _png(colour=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (24, 24), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def _archive(db, shop: Shop) -> bytes:
    target = io.BytesIO()
    backup.write_archive(shop, target)
    db.session.rollback()
    return target.getvalue()


# --- The world --------------------------------------------------------------------------------------------

@pytest.fixture
def demo(app, db, request_context):
    """The demo shop of `seed-demo`, a large shop's worth of rows added to it (scale 0.01), a logo, a job
    photo, a job note, an invoice shared on WhatsApp and reminder marks: every table a backup holds."""
    runner = app.test_cli_runner()
    assert runner.invoke(args=["shopledger", "seed-demo"]).exit_code == 0
    result = runner.invoke(args=["shopledger", "seed-demo", "--scale", "0.01"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    shop = db.session.scalar(sa.select(Shop))
    owner = db.session.scalar(sa.select(User).where(User.email == OWNER_EMAIL))
    shops.set_logo(shop, _png(), by=owner)
    job = db.session.scalar(sa.select(Job).where(Job.shop_id == shop.id).order_by(Job.id))
    photos.add_photo(shop, job, _png((10, 120, 60)), by=owner)
    job_notes.add(shop, job, by=owner, body="Customer called: collar one size up", idempotency_key="note-1")
    invoice = db.session.scalar(sa.select(Invoice).where(Invoice.shop_id == shop.id,
                                                          Invoice.status == InvoiceStatus.ISSUED).order_by(Invoice.id))
    link = links.link_for_invoice(shop, invoice, by=owner)
    links.record_share(shop, link, channel=links.MessageChannel.WHATSAPP, by=owner)
    db.session.add(ReminderMark(shop_id=shop.id, kind=MarkKind.OVERDUE, subject_id=invoice.id, period="7",
                                customer_id=invoice.customer_id))
    db.session.add(ReminderMark(shop_id=shop.id, kind=MarkKind.DIGEST, subject_id=shop.id, period="2026-11-20"))
    db.session.commit()
    return shop, owner


@pytest.fixture
def small(db, make_team, request_context):
    """A small shop with a bit of everything, and its archive: what the hostile archives are made from."""
    from decimal import Decimal

    from shopledger.models import PaymentMethod
    from shopledger.services import customers, invoices, jobs, payments

    team = make_team("Chhota Store")
    shop = team.shop
    shops.set_logo(shop, _png((0, 0, 200)), by=team.owner)
    customer = customers.create_customer(shop, by=team.owner, name="فاطمہ بی بی", phone="0321 4567890")
    job = jobs.create_job(shop, customer, by=team.staff, title="=HYPERLINK(\"x\")")
    photos.add_photo(shop, job, _png((0, 150, 0)), by=team.staff)
    invoice = invoices.create_draft(shop, customer, by=team.staff, issue_date=clock.shop_today(shop),
                                    lines=[LineDraft("Suit", Decimal(1), 2500_00, job_id=job.id)])
    invoices.issue(shop, invoice, by=team.staff)
    payments.record(shop, customer, by=team.staff, amount_minor=1000_00, received_on=clock.shop_today(shop),
                    method=PaymentMethod.CASH)
    db.session.commit()
    return team, _archive(db, shop)


# --- Reading the database back ----------------------------------------------------------------------------

def _table_rows(db, table: sa.Table, shop_id: int) -> list[dict]:
    return [dict(row._mapping) for row in db.session.execute(
        sa.select(table).where(table.c.shop_id == shop_id).order_by(*table.primary_key.columns))]


def _counts(db) -> dict[str, int]:
    return {table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table))
            for table in db.metadata.sorted_tables}


def _files(app) -> set[str]:
    root = Path(app.config["UPLOAD_FOLDER"])
    return {str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()}


def _restore(db, data: bytes, by: User, **options) -> backup.Restored:
    restored = backup.restore(io.BytesIO(data), by=by, **options)
    db.session.commit()
    return restored


# --- The round trip ---------------------------------------------------------------------------------------

def test_the_demo_shop_restored_into_a_new_shop_matches_it_row_by_row_and_total_by_total(app, db, demo):
    shop, owner = demo
    data = _archive(db, shop)
    shops_before = db.session.scalar(sa.select(sa.func.count()).select_from(Shop))
    restored = _restore(db, data, owner)
    new = restored.shop
    assert new.id != shop.id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Shop)) == shops_before + 1
    assert new.name == f"{shop.name} (restored)"
    for setting in backup.SETTINGS:
        assert getattr(new, setting) == getattr(shop, setting)
    # The restorer owns it, alone: nobody else was let in.
    from shopledger.models import Membership

    members = db.session.execute(sa.select(Membership.user_id, Membership.role)
                                 .where(Membership.shop_id == new.id)).all()
    assert [(user_id, role.value) for user_id, role in members] == [(owner.id, "owner")]

    maps = {"shops": {shop.id: new.id}}
    originals, copies = {}, {}
    formats = backup.table_formats()
    for fmt in formats:
        originals[fmt.name] = _table_rows(db, fmt.table, shop.id)
        copies[fmt.name] = _table_rows(db, fmt.table, new.id)
    # The restore's own events come first (the shop made, its settings) and last (restored).
    copied_audit = copies["audit_events"]
    extra = len(copied_audit) - len(originals["audit_events"])
    assert {event["action"] for event in copied_audit[:extra - 1]} <= {"shop.created", "shop.settings_changed"}
    assert copied_audit[-1]["action"] == "shop.restored" and copied_audit[-1]["user_id"] == owner.id
    copies["audit_events"] = copied_audit[extra - 1:-1]
    for fmt in formats:
        assert len(copies[fmt.name]) == len(originals[fmt.name]), fmt.name
        assert len(originals[fmt.name]) > 0, f"the demo shop has no {fmt.name}: the check would prove nothing"
        if fmt.keyed:
            maps[fmt.name] = {a["id"]: b["id"] for a, b in zip(originals[fmt.name], copies[fmt.name])}

    # Everyone the rows name works in the demo shop, which the restorer owns: they keep their names.
    photo_folder_old, photo_folder_new = photos.photo_folder(shop), photos.photo_folder(new)
    compared = 0
    for fmt in formats:
        for before, after in zip(originals[fmt.name], copies[fmt.name]):
            for column in fmt.table.columns:
                name, old, now = column.name, before[column.name], after[column.name]
                targets = {key.column.table.name for key in column.foreign_keys}
                if name == "id":
                    continue
                if targets & set(backup.NOT_BACKED_UP):
                    assert now is None, (fmt.name, name)
                elif targets == {"users"}:
                    assert now == old, (fmt.name, name)
                elif targets:
                    (target,) = targets
                    assert now == (maps[target][old] if old is not None else None), (fmt.name, name, old, now)
                elif fmt.name == "job_photos" and name in ("filename", "thumbnail_filename"):
                    assert now != old
                    assert (photo_folder_new / now).read_bytes() == (photo_folder_old / old).read_bytes()
                elif fmt.name == "reminder_marks" and name == "subject_id":
                    table = backup.MARK_SUBJECTS[before["kind"].value]
                    assert now == maps[table][old]
                elif fmt.name == "audit_events" and name == "subject_id":
                    table = backup.AUDIT_SUBJECTS.get(before["subject_type"])
                    assert now == (maps.get(table, {}).get(old) if table and old is not None else None)
                elif fmt.name == "audit_events" and name == "details":
                    expected = dict(old)
                    for key, table in backup.AUDIT_DETAIL_IDS.items():
                        if key in expected:
                            expected[key] = maps.get(table, {}).get(expected[key]) if table else None
                    if "user_id" in old:
                        expected["user_id"] = old["user_id"]  # a colleague keeps being who they were
                    assert now == expected
                else:
                    assert now == old, (fmt.name, name, old, now)
                compared += 1
    assert compared > 10_000

    # Total by total: balances stored and summed, what each invoice has been paid, the list's sums.
    customer_map = maps["customers"]
    old_balances = ledger.balances(shop, list(customer_map))
    new_balances = ledger.balances(new, list(customer_map.values()))
    assert {customer_map[key]: value for key, value in old_balances.items()} == new_balances
    assert any(value > 0 for value in new_balances.values()) and any(value < 0 for value in new_balances.values())
    assert ledger.stored_amount_mismatches(new.id) == []
    for key, table in (("balance_minor", "customers"), ("paid_minor", "invoices")):
        assert [row[key] for row in originals[table]] == [row[key] for row in copies[table]]
    assert ledger.total_owed(shop) == ledger.total_owed(new)
    old_totals, new_totals = ledger.invoice_totals(shop), ledger.invoice_totals(new)
    assert (old_totals.invoice_count, old_totals.total_minor, old_totals.due_minor) == \
        (new_totals.invoice_count, new_totals.total_minor, new_totals.due_minor)
    numbers = [row["number"] for row in originals["invoices"]]
    assert numbers == [row["number"] for row in copies["invoices"]] and len(set(numbers) - {None}) > 500
    assert (shops.logo_folder() / new.logo_filename).read_bytes() == (shops.logo_folder() / shop.logo_filename).read_bytes()
    # The next invoice the new shop issues continues its own numbering, like the original's would.
    counters = {row["year"]: row["last_number"] for row in copies["invoice_counters"]}
    assert counters == {row["year"]: row["last_number"] for row in originals["invoice_counters"]}


def test_people_the_restorer_does_not_work_with_are_not_named_in_the_restored_shop(db, small, make_user):
    team, data = small
    stranger = make_user(name="Someone Else")
    shop_of_theirs = shops.create_shop(owner=stranger, name="Their own shop")
    db.session.commit()
    restored = _restore(db, data, stranger)
    user_columns = [(fmt.table, column) for fmt in backup.table_formats()
                    for column, target in fmt.references.items() if target == "users"]
    named = set()
    for table, column in user_columns:
        named |= set(db.session.scalars(sa.select(table.c[column]).where(table.c.shop_id == restored.shop.id,
                                                                        table.c[column].is_not(None))))
    assert named == {stranger.id}  # only the restore's own events name anyone: the restorer
    assert shop_of_theirs.id != restored.shop.id


def test_a_backup_is_a_snapshot_with_a_manifest_of_counts_totals_and_hashes(db, small):
    team, data = small
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        assert manifest["format"] == backup.FORMAT and manifest["version"] == backup.VERSION
        assert manifest["shop"] == {"id": team.shop.id, "name": team.shop.name}
        assert manifest["schema"]
        assert manifest["counts"]["customers"] == 1 and manifest["counts"]["job_photos"] == 1
        assert manifest["totals"] == {"invoices_issued_minor": 2500_00, "payments_live_minor": 1000_00,
                                      "allocations_live_minor": 1000_00}
        names = set(archive.namelist()) - {"manifest.json"}
        assert set(manifest["members"]) == names
        for name in names:
            content = archive.read(name)
            assert manifest["members"][name] == {"size": len(content), "sha256": hashlib.sha256(content).hexdigest()}
        customers = [json.loads(line) for line in archive.read("data/customers.jsonl").splitlines()]
        assert customers[0]["name"] == "فاطمہ بی بی" and customers[0]["balance_minor"] == 1500_00
        assert len([name for name in names if name.startswith("files/photos/")]) == 2  # the photo and its thumbnail


# --- Hostile and broken archives ----------------------------------------------------------------------------

def _rebuild(data: bytes, *, replace: dict | None = None, add: list | None = None, drop: set | None = None,
             manifest=None, rehash: bool = True) -> bytes:
    """A copy of an archive with members changed, added or dropped, the manifest edited and (unless told
    not to) its hashes made right again, so that only the check under test can catch it."""
    replace, add, drop = replace or {}, add or [], drop or set()
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        members = {name: source.read(name) for name in source.namelist()}
    listed = json.loads(members.pop("manifest.json"))
    for name in drop:
        members.pop(name)
        listed["members"].pop(name, None)
    members.update(replace)
    if rehash:
        for name, content in members.items():
            listed["members"][name] = {"size": len(content), "sha256": hashlib.sha256(content).hexdigest()}
        for info, content in add:
            listed["members"][info.filename if isinstance(info, zipfile.ZipInfo) else info] = {
                "size": len(content), "sha256": hashlib.sha256(content).hexdigest()}
    if manifest is not None:
        listed = manifest(listed)
    target = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a duplicate name is what one of the tests is made of
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, content in members.items():
                archive.writestr(name, content)
            for info, content in add:
                archive.writestr(info, content)
            archive.writestr("manifest.json", listed if isinstance(listed, bytes) else json.dumps(listed))
    return target.getvalue()


def _lines(data: bytes, name: str) -> list[dict]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [json.loads(line) for line in archive.read(name).splitlines()]


def _jsonl(rows: list[dict]) -> bytes:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows).encode()


def _edit_rows(data: bytes, table: str, change) -> bytes:
    rows = _lines(data, f"data/{table}.jsonl")
    change(rows)
    return _rebuild(data, replace={f"data/{table}.jsonl": _jsonl(rows)})


def _symlink(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


def _inflated_size(data: bytes, member: str, size: int) -> bytes:
    """The archive with a member's declared size (local header and central directory) changed: the data
    it really unpacks to is larger than it says."""
    raw = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(member)
    struct.pack_into("<I", raw, info.header_offset + 22, size)
    entry = raw.find(b"PK\x01\x02")
    while entry != -1:
        name_length = struct.unpack_from("<H", raw, entry + 28)[0]
        if bytes(raw[entry + 46:entry + 46 + name_length]) == member.encode():
            struct.pack_into("<I", raw, entry + 24, size)
            break
        entry = raw.find(b"PK\x01\x02", entry + 4)
    return bytes(raw)


def _bomb(data: bytes) -> bytes:
    """customers.jsonl replaced by 60 MB of blank lines that pack into a few kilobytes."""
    return _rebuild(data, replace={"data/customers.jsonl": b"\n" * (60 * 1024 * 1024)})


HOSTILE = {
    "not a zip": (lambda data: b"PK but not really a zip file at all", "not a zip archive"),
    "zip-slip path": (lambda data: _rebuild(data, add=[("../../evil.txt", b"owned")]), "reaches outside"),
    "absolute path": (lambda data: _rebuild(data, add=[("/etc/cron.d/evil", b"* * * * * root sh")]),
                      "reaches outside"),
    "backslash path": (lambda data: _rebuild(data, add=[("files\\..\\..\\evil.txt", b"x")]), "reaches outside"),
    "symlink": (lambda data: _rebuild(data, add=[(_symlink("files/photos/" + "a" * 32 + ".jpg"), b"/etc/passwd")]),
                "link"),
    "nested archive by name": (lambda data: _rebuild(data, add=[("data/more.zip", b"PK\x03\x04")]),
                               "another archive"),
    "nested archive in a photo": (lambda data: _swap_photo(data, _archive_bytes()), "another archive"),
    "a photo that is no picture": (lambda data: _swap_photo(data, b"<script>alert(1)</script>"), "not a picture"),
    "unknown member": (lambda data: _rebuild(data, add=[("data/secrets.txt", b"x")]), "never has"),
    "duplicate names": (lambda data: _rebuild(data, add=[("data/customers.jsonl", b"{}\n")]), "two files named"),
    "zip bomb by ratio": (_bomb, "zip bomb"),
    "actual size beyond the declared one": (lambda data: _inflated_size(data, "data/customers.jsonl", 10),
                                            "damaged"),
    "tampered row": (lambda data: _rebuild(data, replace={"data/customers.jsonl": _lines_bytes(data).replace(
        "فاطمہ".encode(), "Mallory".encode())}, rehash=False), "SHA-256"),
    "tampered photo": (lambda data: _swap_photo(data, _png((1, 2, 3)), rehash=False), "SHA-256"),
    "manifest missing": (lambda data: _without_manifest(data), "no manifest"),
    "manifest not JSON": (lambda data: _rebuild(data, manifest=lambda listed: b"{not json"), "damaged"),
    "wrong format": (lambda data: _rebuild(data, manifest=lambda listed: {**listed, "format": "other-app"}),
                     "something else"),
    "newer version": (lambda data: _rebuild(data, manifest=lambda listed: {**listed, "version": 2}), "newer"),
    "unknown version": (lambda data: _rebuild(data, manifest=lambda listed: {**listed, "version": "1"}),
                        "format version"),
    "member not in the manifest": (lambda data: _rebuild(data, manifest=lambda listed: {
        **listed, "members": {k: v for k, v in listed["members"].items() if k != "data/jobs.jsonl"}}), "disagree"),
    "wrong count": (lambda data: _rebuild(data, manifest=lambda listed: {
        **listed, "counts": {**listed["counts"], "payments": 7}}), "counts"),
    "wrong totals": (lambda data: _rebuild(data, manifest=lambda listed: {
        **listed, "totals": {**listed["totals"], "payments_live_minor": 1}}), "totals"),
    "another shop's row": (lambda data: _edit_rows(data, "payments", lambda rows: rows[0].update(shop_id=424242)),
                           "another shop"),
    "ids not consistent": (lambda data: _edit_rows(data, "invoice_lines",
                                                   lambda rows: rows[0].update(invoice_id=999999)), "not consistent"),
    "an id twice": (lambda data: _edit_rows(data, "customers", lambda rows: rows.append(dict(rows[0]))), "repeats"),
    "a wrong type": (lambda data: _edit_rows(data, "invoices", lambda rows: rows[0].update(total_minor="lots")),
                     "not valid"),
    "an unknown column": (lambda data: _edit_rows(data, "jobs", lambda rows: rows[0].update(owner_is="admin")),
                          "does not know"),
    "books that do not add up": (lambda data: _edit_rows(
        data, "payment_allocations", lambda rows: rows[0].update(amount_minor=999_999_00)), "more than its total"),
    "a foreign user named": (lambda data: _edit_rows(data, "jobs", lambda rows: rows[0].update(created_by_id=31337)),
                             "not consistent"),
    "bad settings": (lambda data: _edit_rows(data, "shops", lambda rows: rows[0].update(timezone="Mars/Olympus")),
                     "settings"),
}


def _lines_bytes(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read("data/customers.jsonl")


def _photo_member(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return next(name for name in archive.namelist() if name.startswith("files/photos/"))


def _swap_photo(data: bytes, content: bytes, rehash: bool = True) -> bytes:
    return _rebuild(data, replace={_photo_member(data): content}, rehash=rehash)


def _archive_bytes() -> bytes:
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as archive:
        archive.writestr("x.txt", "hello")
    return inner.getvalue()


def _without_manifest(data: bytes) -> bytes:
    target = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(target, "w") as archive:
        for name in source.namelist():
            if name != "manifest.json":
                archive.writestr(name, source.read(name))
    return target.getvalue()


@pytest.mark.parametrize("case", HOSTILE, ids=list(HOSTILE))
def test_a_bad_or_hostile_archive_is_refused_whole_with_nothing_written(app, db, small, case):
    team, data = small
    make, said = HOSTILE[case]
    hostile = make(data)
    counts, files = _counts(db), _files(app)
    with pytest.raises(ArchiveRefused) as refused:
        backup.restore(io.BytesIO(hostile), by=team.owner)
    db.session.rollback()
    assert said in refused.value.message, refused.value.message
    assert refused.value.field == "archive"
    assert _counts(db) == counts
    assert _files(app) == files


def test_the_untouched_archive_the_hostile_ones_are_made_from_restores(app, db, small):
    # The hostile cases above each change one thing in this archive: without the change it is fine.
    team, data = small
    rebuilt = _rebuild(data)
    restored = _restore(db, rebuilt, team.owner)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Job).where(Job.shop_id == restored.shop.id)) == 1


@pytest.mark.parametrize("limit, said", [("BACKUP_MAX_MEMBERS", "more than"), ("BACKUP_MAX_UNPACKED_BYTES", "zip bomb")])
def test_the_limits_on_files_and_unpacked_bytes_are_checked_before_anything_is_read(app, db, small, monkeypatch,
                                                                                    limit, said):
    team, data = small
    monkeypatch.setitem(app.config, limit, 5)
    counts = _counts(db)
    with pytest.raises(ArchiveRefused) as refused:
        backup.restore(io.BytesIO(data), by=team.owner)
    assert said in refused.value.message
    assert _counts(db) == counts


def test_a_failure_after_the_checks_leaves_no_files_and_the_rollback_no_rows(app, db, small, monkeypatch):
    team, data = small
    counts, files = _counts(db), _files(app)

    def broken(*args, **kwargs):
        raise RuntimeError("the disk filled up")

    monkeypatch.setattr(backup, "_check_restored", broken)
    with pytest.raises(RuntimeError):
        backup.restore(io.BytesIO(data), by=team.owner)
    db.session.rollback()
    assert _counts(db) == counts
    assert _files(app) == files


def test_every_shop_table_is_backed_up_or_left_out_for_a_reason(db):
    shop_tables = {table.name for table in db.metadata.sorted_tables if "shop_id" in table.c}
    assert shop_tables == set(backup.TABLES) | set(backup.NOT_BACKED_UP), (
        "a table with a shop_id is neither in backup.TABLES nor in backup.NOT_BACKED_UP: decide which")
    order = {name: index for index, name in enumerate(backup.TABLES)}
    for fmt in backup.table_formats():
        for column, target in fmt.references.items():
            if target in order and target != fmt.name:
                assert order[target] < order[fmt.name], f"{fmt.name}.{column} is restored before {target}"
            if target == "users" or target in backup.NOT_BACKED_UP:
                assert fmt.table.c[column].nullable, f"{fmt.name}.{column} must be able to restore empty"


# --- Kept backups -------------------------------------------------------------------------------------------

def test_the_nightly_backup_keeps_the_last_n_of_every_shop(app, db, small, make_team, monkeypatch):
    from shopledger import tasks

    team, _data = small
    other = make_team("Second Shop")
    monkeypatch.setitem(app.config, "BACKUP_KEEP", 3)
    start = datetime(2026, 11, 1, 21, 23, tzinfo=timezone.utc)
    made = []
    for night in range(5):
        monkeypatch.setattr(clock, "now", lambda night=night: start + timedelta(days=night))
        tasks.backup_shops_daily()
        made.append(f"daily-{(start + timedelta(days=night)).strftime('%Y%m%d-%H%M%S')}-000000.zip")
    backup.store_backup(team.shop, kind="manual")
    for shop in (team.shop, other.shop):
        kept = backup.stored_backups(shop)
        assert [item.name for item in kept if item.kind == "daily"] == list(reversed(made[-3:]))
        folder = backup.backup_folder(shop)
        assert sorted(path.name for path in folder.iterdir() if path.name.startswith("daily")) == sorted(made[-3:])
    assert [item.kind for item in backup.stored_backups(team.shop)].count("manual") == 1
    # Each kept file is a whole backup of its own shop.
    latest = backup.stored_path(other.shop, made[-1])
    with zipfile.ZipFile(latest) as archive:
        assert json.loads(archive.read("manifest.json"))["shop"]["id"] == other.shop.id


@pytest.mark.parametrize("name", ["../secret_key", "daily-20261101-212300-000000.zip/../../x", "", "manifest.json",
                                  "daily-2026.zip", "/etc/passwd"])
def test_a_kept_backup_is_found_only_by_its_own_name_in_its_own_shops_folder(db, small, name):
    team, _data = small
    assert backup.stored_path(team.shop, name) is None


# --- The whole database -----------------------------------------------------------------------------------

def test_backup_db_copies_sqlite_with_the_online_backup_api(app, db, small, tmp_path):
    if db.engine.dialect.name != "sqlite":
        result = app.test_cli_runner().invoke(args=["shopledger", "backup-db", str(tmp_path / "x.db")])
        assert result.exit_code != 0 and "pg_dump" in result.output
        return
    target = tmp_path / "copy.db"
    result = app.test_cli_runner().invoke(args=["shopledger", "backup-db", str(target)])
    assert result.exit_code == 0, result.output
    with sqlite3.connect(target) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        names = [row[0] for row in copy.execute("SELECT name FROM shops ORDER BY id")]
    assert names == [name for name in db.session.scalars(sa.select(Shop.name).order_by(Shop.id))]
    again = app.test_cli_runner().invoke(args=["shopledger", "backup-db", str(target)])
    assert again.exit_code != 0 and "--force" in again.output
    assert not list(tmp_path.glob(".*partial"))


def test_the_cli_backs_up_a_shop_and_restores_it_for_an_owner(app, db, small, tmp_path):
    team, _data = small
    path = tmp_path / "shop.zip"
    runner = app.test_cli_runner()
    result = runner.invoke(args=["shopledger", "backup-shop", str(team.shop.id), str(path)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["shopledger", "restore-shop", str(path), "--owner", team.owner.email,
                                 "--name", "Chhota Store again"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Shop).where(Shop.name == "Chhota Store again")) == 1
    path.write_bytes(b"nonsense")
    refused = runner.invoke(args=["shopledger", "restore-shop", str(path), "--owner", team.owner.email])
    assert refused.exit_code != 0 and "not a zip archive" in refused.output


def test_stored_sums_that_drifted_in_the_original_are_worked_out_again_on_restore(db, small):
    team, data = small
    drifted = _edit_rows(data, "customers", lambda rows: rows[0].update(balance_minor=999_00))
    restored = _restore(db, drifted, team.owner)
    customer = db.session.scalar(sa.select(Customer).where(Customer.shop_id == restored.shop.id))
    assert customer.balance_minor == 1500_00 == ledger.balance(restored.shop, customer)
    assert ledger.stored_amount_mismatches(restored.shop.id) == []
