"""Views for the Export page and its CSV downloads, the customers import, and the shop's backups."""
from functools import wraps

from flask import abort, current_app, flash, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf.csrf import CSRFError, validate_csrf
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import ValidationError

from ...extensions import csrf, db
from ...forms import show_domain_error
from ...htmx import redirect_to, render
from ...i18n import isolated
from ...permissions import requires
from ...services import backup, clock, csv_export, csv_import
from ...services.errors import DomainError
from ...tenancy import current_shop, shop_required
from . import bp
from .forms import ConfirmImportForm, ImportForm, PeriodForm, RestoreForm

# How many of the good rows the preview lists; the count says how many there are in all.
PREVIEW_ROWS = 100


# --- Export ----------------------------------------------------------------------------------------------

def _export_page(form: PeriodForm, status: int = 200):
    return render_template("data/export.html", form=form, exports=csv_export.EXPORTS.values()), status


@bp.get("/export")
@shop_required
@requires("data.export")
def export():
    return _export_page(PeriodForm(request.args))


@bp.get("/export/download")
@shop_required
@requires("data.export")
def download():
    form = PeriodForm(request.args)
    chosen = csv_export.EXPORTS.get(request.args.get("what", ""))
    if chosen is None:
        form.form_errors.append(_("Choose what to export."))
        return _export_page(form, 422)
    if not form.validate():
        return _export_page(form, 422)
    shop = current_shop()
    date_from, date_to = (form.day_from, form.day_to) if chosen.dated else (None, None)
    header, rows = chosen.build(shop, date_from, date_to)
    filename = csv_export.export_filename(shop, chosen.key, date_from, date_to, clock.shop_today(shop))
    return csv_export.csv_response(filename, header, rows, timezone=shop.timezone)


# --- Import ----------------------------------------------------------------------------------------------

def _import_page(form: ImportForm, *, preview=None, expired: bool = False, status: int = 200):
    return render_template("data/import.html", form=form, preview=preview, expired=expired,
                           confirm_form=ConfirmImportForm(token=preview.token if preview else ""),
                           preview_rows=PREVIEW_ROWS, labels=csv_import.FIELD_LABELS), status


@bp.get("/import")
@shop_required
@requires("data.import")
def import_customers():
    token = request.args.get("token", "")
    preview = csv_import.load_preview(current_shop(), token, by=current_user) if token else None
    return _import_page(ImportForm(), preview=preview, expired=bool(token) and preview is None)


@bp.post("/import")
@shop_required
@requires("data.import")
def preview_import():
    form = ImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read(current_app.config["IMPORT_MAX_BYTES"] + 1)
        try:
            preview = csv_import.make_preview(current_shop(), data, upload.filename or "", by=current_user)
        except DomainError as error:
            show_domain_error(form, error)
        else:
            return redirect_to(url_for("data.import_customers", token=preview.token))
    return _import_page(form, status=422)


@bp.post("/import/confirm")
@shop_required
@requires("data.import")
def confirm_import():
    shop = current_shop()
    form = ConfirmImportForm()
    token = form.token.data or ""
    if not form.validate_on_submit():
        return _import_page(ImportForm(), expired=True, status=422)
    try:
        preview = csv_import.take_preview(shop, token, by=current_user)
    except csv_import.PreviewGone:
        return _import_page(ImportForm(), expired=True, status=422)
    try:
        csv_import.import_rows(shop, preview, by=current_user, today=clock.shop_today(shop))
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        csv_import.release_preview(shop, preview)
        upload_form = ImportForm()
        upload_form.form_errors.append(error.message)
        return _import_page(upload_form, preview=csv_import.load_preview(shop, token, by=current_user), status=422)
    except Exception:
        db.session.rollback()
        csv_import.release_preview(shop, preview)
        raise
    csv_import.finish_preview(shop, preview)
    flash(ngettext("%(num)d customer was added.", "%(num)d customers were added.", preview.imported["added"]),
          "success")
    return redirect_to(url_for("data.import_customers", token=token))


@bp.get("/import/problems")
@shop_required
@requires("data.import")
def import_problems():
    preview = csv_import.load_preview(current_shop(), request.args.get("token", ""), by=current_user)
    if preview is None:
        flash(_("That preview has expired. Upload the file again."), "error")
        return redirect_to(url_for("data.import_customers"))
    header, rows = csv_import.problem_rows(preview)
    return csv_export.csv_response(_("customers-to-fix.csv"), header, rows)


@bp.get("/import/template")
@shop_required
@requires("data.import")
def import_template():
    header = [str(csv_import.FIELD_LABELS[name]) for name in csv_import.FIELDS]
    return csv_export.csv_response(_("customers-template.csv"), header, [])


# --- Backups ---------------------------------------------------------------------------------------------

def _backups_page(form: RestoreForm | None = None, status: int = 200):
    shop = current_shop()
    return render("data/backups.html", "data/_backups.html", status=status, form=form or RestoreForm(),
                  backups=backup.stored_backups(shop), pending=backup.is_pending(shop),
                  keep=current_app.config["BACKUP_KEEP"])


@bp.get("/backups")
@shop_required
@requires("backup.manage")
def backups():
    return _backups_page()  # the list alone while a backup is on its way: the page asks for it every few seconds


@bp.post("/backups")
@shop_required
@requires("backup.manage")
def create_backup():
    from ...tasks import backup_shop_task

    shop = current_shop()
    backup.mark_pending(shop)
    backup_shop_task(shop.id, "manual")  # a large shop takes longer than a request may
    flash(_("Making a backup. It appears in the list below when it is ready; download it and keep it somewhere "
            "safe, off this phone."), "success")
    return redirect_to(url_for("data.backups"))


def _kept_backup(view):
    """404 unless the name is one of the current shop's kept backups, before the role is asked about (as for ids)."""

    @wraps(view)
    def wrapped(backup_name: str):
        if backup.stored_path(current_shop(), backup_name) is None:
            abort(404)
        return view(backup_name)

    return wrapped


@bp.get("/backups/<backup_name>")
@shop_required
@_kept_backup
@requires("backup.manage")
def download_backup(backup_name: str):
    shop = current_shop()
    path = backup.stored_path(shop, backup_name)
    if path is None:
        abort(404)  # pruned a moment ago
    download_name = f"shopledger-{shop.id}-{backup_name}"
    response = send_file(path, mimetype="application/zip", as_attachment=True, download_name=download_name,
                         max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@csrf.exempt  # checked below, once the larger limit for a backup applies to reading the form
@bp.post("/restore")
@shop_required
@requires("backup.manage")
def restore():
    request.max_content_length = current_app.config["BACKUP_MAX_BYTES"]
    try:
        request.form  # noqa: B018  (read now, under the larger limit, so that too large is said by the field)
        if current_app.config.get("WTF_CSRF_ENABLED", True):
            validate_csrf(request.form.get("csrf_token") or request.headers.get("X-CSRFToken"))
    except RequestEntityTooLarge:
        form = RestoreForm(formdata=None)
        form.archive.errors = [_("The file is larger than a backup may be (%(size)s).",
                                 size=f"{current_app.config['BACKUP_MAX_BYTES'] // (1024 * 1024)} MB")]
        return _backups_page(form, 422)
    except ValidationError as error:
        raise CSRFError(str(error)) from None
    form = RestoreForm()
    if form.validate_on_submit():
        try:
            restored = backup.restore(form.archive.data.stream, by=current_user, name=form.name.data)
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            try:
                db.session.commit()
            except Exception:
                db.session.rollback()
                backup.discard(restored)
                raise
            # The member stays in the shop they restored from; the new one waits in their list of shops.
            flash(_("The backup was restored into a new shop, %(shop)s. This shop is unchanged: switch to the new "
                    "one below to check it.", shop=isolated(restored.shop.name)), "success")
            return redirect_to(url_for("shops.index"))
    return _backups_page(form, 422)
