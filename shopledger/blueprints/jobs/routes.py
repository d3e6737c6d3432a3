"""Views for jobs: the board, the job page and its form, moving a job along, its photos."""
from flask import (
    abort,
    current_app,
    flash,
    make_response,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import format_time, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from ...extensions import db
from ...forms import amount_as_text, choices, optional_id, show_domain_error
from ...htmx import redirect_to, render, trigger, wants_fragment
from ...i18n import isolated
from ...models import Customer, Job, JobPhoto, JobStatus, MeasurementTemplate
from ...page_cache import cached
from ...permissions import requires
from ...security import safe_next_path
from ...services import clock, images, jobs, measurements, photos
from ...services.errors import DomainError
from ...services.measurements import MeasurementError
from ...templating import bottom_nav_update
from ...tenancy import current_shop, get_for_shop_or_404, shop_required
from . import bp
from .forms import JobForm, MoveBackForm


@bp.app_context_processor
def job_helpers():
    # The job fragments are drawn on other areas' pages too (a customer's jobs), so these are global.
    return {
        "job_status_labels": jobs.JOB_STATUS_LABELS,
        "job_move_labels": jobs.MOVE_LABELS,
        "unit_labels": measurements.UNIT_LABELS,
        # A due time is wall-clock time in the shop: never shifted to another zone.
        "format_time": lambda value, format="short": format_time(value, format, rebase=False),
    }


def _own(model, raw_id):
    """The current shop's row for an id from a form or the query string; None when none was given."""
    object_id = optional_id(raw_id)
    return get_for_shop_or_404(model, object_id) if object_id is not None else None


def _status(value) -> JobStatus | None:
    try:
        return JobStatus(value) if value else None
    except ValueError:
        return None


def _measurement_values() -> dict:
    return {name[2:]: value for name, value in request.form.items() if name.startswith("m_")}


# The board


@bp.get("")
@shop_required
@requires("jobs.view")
@cached
def index():
    shop = current_shop()
    status = _status(request.args.get("status"))
    customer = _own(Customer, request.args.get("customer_id"))
    today = clock.shop_today(shop)
    board = jobs.board(shop, today=today, status=status, customer_id=customer.id if customer else None)
    response = render("jobs/index.html", "jobs/_board.html", board=board, status_filter=status, customer=customer,
                      customers=jobs.customers_with_jobs(shop), today=today,
                      group_names=jobs.BOARD_GROUPS, group_labels=jobs.BOARD_GROUP_LABELS)
    if wants_fragment():
        # The filter form sends empty fields too; history keeps the tidy address of what is shown.
        response.headers["HX-Push-Url"] = url_for("jobs.index", status=status.value if status else None,
                                                  customer_id=customer.id if customer else None)
    return response


# Taking and editing a job


def _job_form(shop, *, job: Job | None = None, customer: Customer | None = None, data: dict | None = None) -> JobForm:
    form = JobForm(currency=shop.currency, data=data)
    templates = measurements.list_templates(shop)
    if job is not None and job.measurement_template_id and job.measurement_template_id not in {t.id for t in templates}:
        kept = db.session.get(MeasurementTemplate, job.measurement_template_id)
        if kept is not None and kept.shop_id == shop.id:
            templates.append(kept)
    form.template_id.choices = choices([("", _("None")), *((t.id, t.name) for t in templates)])
    # Choosing a template (or another customer) fetches its inputs, filled from the customer's last order.
    refetch = {"hx-get": url_for("jobs.measurement_fields"), "hx-target": "#measurement-fields",
               "hx-swap": "outerHTML", "hx-trigger": "change", "hx-sync": "#measurement-fields:replace"}
    form.template_id.render_kw = {**refetch, "hx-include": "#job-form [name='customer_id'], #job-form [name='job_id']"}
    if job is not None:
        del form.customer_id  # a job stays with its customer
    elif customer is None:
        form.customer_id.choices = choices([("", _("Choose a customer")), *jobs.customer_choices(shop)])
        form.customer_id.render_kw = {**refetch, "hx-include": "#job-form [name='template_id']"}
    return form


def _form_page(page: str, form: JobForm, *, customer: Customer | None, job: Job | None = None,
               fixed_customer: bool, typed: dict | None = None, errors: dict | None = None, status: int = 200):
    shop = current_shop()
    template = _own(MeasurementTemplate, form.template_id.data)
    fields = measurements.form_fields(shop, template, customer=customer, job=job)
    if typed is not None:
        fields = [{**field, "value": typed.get(field["key"], ""), "remembered": False} for field in fields]
    return render(page, "jobs/_form.html", status=status, form=form, job=job, customer=customer,
                  fixed_customer=fixed_customer, template=template, measurement_fields=fields,
                  measurement_errors=errors or {}, focus_measurement=_focus_first_error(form, errors or {}))


# The job form from top to bottom; MEASUREMENTS stands for the template's inputs.
MEASUREMENTS = object()
FORM_ORDER = ("customer_id", "title", "template_id", MEASUREMENTS, "due_date", "due_time", "quoted",
              "description", "notes")


def _focus_first_error(form: JobForm, measurement_errors: dict) -> str | None:
    """Put the cursor in the first field to fix (htmx focuses [autofocus] after the swap).

    Returns the key of the measurement to focus, when that comes first.
    """
    for name in FORM_ORDER:
        if name is MEASUREMENTS:
            if measurement_errors:
                return next(iter(measurement_errors))
            continue
        field = form._fields.get(name)
        if field is not None and field.errors:
            field.render_kw = {**(field.render_kw or {}), "autofocus": True}
            return None
    return None


def _check_measurements(template: MeasurementTemplate | None, job: Job | None, typed: dict) -> dict:
    """Say which measurements are wrong while the rest of the form is wrong too, so they show at once."""
    if template is None:
        return {}
    fields = measurements.form_fields(current_shop(), template, job=job)
    try:
        measurements.clean_values(fields, typed)
    except MeasurementError as error:
        return error.errors
    return {}


@bp.get("/new")
@shop_required
@requires("jobs.edit")
def new():
    shop = current_shop()
    customer = _own(Customer, request.args.get("customer_id"))
    form = _job_form(shop, customer=customer, data={"customer_id": customer.id if customer else None})
    return _form_page("jobs/new.html", form, customer=customer, fixed_customer=customer is not None)


@bp.post("")
@shop_required
@requires("jobs.edit")
def create():
    shop = current_shop()
    fixed = request.form.get("fixed_customer") == "1"
    customer = _own(Customer, request.form.get("customer_id"))
    form = _job_form(shop, customer=customer if fixed else None)
    template = _own(MeasurementTemplate, form.template_id.data)
    typed, errors = _measurement_values(), {}
    if form.validate_on_submit():
        try:
            job = jobs.create_job(shop, customer, by=current_user, template=template, measurement_values=typed,
                                  **form.job_values())
        except MeasurementError as error:
            db.session.rollback()
            errors = error.errors
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Job saved for %(name)s.", name=isolated(customer.name)), "success")
            return redirect_to(url_for("jobs.show", job_id=job.id))
    else:
        errors = _check_measurements(template, None, typed)
    return _form_page("jobs/new.html", form, customer=customer, fixed_customer=fixed and customer is not None,
                      typed=typed, errors=errors, status=422)


@bp.get("/<int:job_id>")
@shop_required
@requires("jobs.view")
def show(job_id: int):
    return _job_page(get_for_shop_or_404(Job, job_id))


def _job_page(job: Job, *, status: int = 200, back_form: MoveBackForm | None = None, move_error: str | None = None,
              photo_messages: dict | None = None, fragment: str = "jobs/show.html"):
    shop = current_shop()
    return render(
        "jobs/show.html", fragment, status=status, job=job, today=clock.shop_today(shop),
        history=jobs.history(shop, job), photos=photos.photos_of(shop, job),
        back_form=back_form or MoveBackForm(formdata=None, earlier=jobs.earlier_statuses(job)),
        move_error=move_error, photo_messages=photo_messages or {},
    )


@bp.get("/<int:job_id>/edit")
@shop_required
@requires("jobs.edit")
def edit(job_id: int):
    shop = current_shop()
    job = get_for_shop_or_404(Job, job_id)
    form = _job_form(shop, job=job, data={
        "title": job.title, "description": job.description, "due_date": job.due_date, "due_time": job.due_time,
        "quoted": amount_as_text(job.quoted_minor, shop.currency), "notes": job.notes,
        "template_id": job.measurement_template_id,
    })
    return _form_page("jobs/edit.html", form, customer=job.customer, job=job, fixed_customer=True)


@bp.post("/<int:job_id>")
@shop_required
@requires("jobs.edit")
def update(job_id: int):
    shop = current_shop()
    job = get_for_shop_or_404(Job, job_id)
    form = _job_form(shop, job=job)
    template = _own(MeasurementTemplate, form.template_id.data)
    typed, errors = _measurement_values(), {}
    if form.validate_on_submit():
        try:
            jobs.update_job(shop, job, by=current_user, template=template, measurement_values=typed,
                            remove_measurements=template is None, **form.job_values())
        except MeasurementError as error:
            db.session.rollback()
            errors = error.errors
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Job saved."), "success")
            return redirect_to(url_for("jobs.show", job_id=job.id))
    else:
        errors = _check_measurements(template, job, typed)
    return _form_page("jobs/edit.html", form, customer=job.customer, job=job, fixed_customer=True,
                      typed=typed, errors=errors, status=422)


@bp.get("/measurement-fields")
@shop_required
@requires("jobs.edit")
def measurement_fields():
    """The measurement inputs for the template chosen on the job form, filled from the last order."""
    shop = current_shop()
    template = _own(MeasurementTemplate, request.args.get("template_id"))
    job = _own(Job, request.args.get("job_id"))
    customer = job.customer if job is not None else _own(Customer, request.args.get("customer_id"))
    fields = measurements.form_fields(shop, template, customer=customer, job=job)
    response = make_response(render_template("jobs/_measurement_fields.html", template=template,
                                             measurement_fields=fields, measurement_errors={}))
    response.vary.add("HX-Request")
    return response


# Moving a job along


@bp.post("/<int:job_id>/move")
@shop_required
@requires("jobs.edit")
def move(job_id: int):
    shop = current_shop()
    job = get_for_shop_or_404(Job, job_id)
    try:
        target = _status(request.form.get("to"))
        if target is None:
            raise DomainError(_("Choose where the job moves to."), field="to")
        jobs.move(shop, job, to=target, by=current_user, reason=request.form.get("reason", ""))
    except DomainError as error:
        db.session.rollback()
        return _after_move(job, error)
    db.session.commit()
    if not wants_fragment():
        flash(_("%(job)s: %(status)s.", job=isolated(job.title), status=jobs.JOB_STATUS_LABELS[job.status]), "success")
        return redirect_to(safe_next_path(request.form.get("next"), url_for("jobs.show", job_id=job.id)))
    response = _after_move(job)
    response.set_data(response.get_data(as_text=True) + bottom_nav_update())  # the due-today badge may change
    return trigger(response, "job-moved", {"id": job.id, "status": job.status.value})


def _after_move(job: Job, error: DomainError | None = None):
    """Answer a move: the board's card for its one-tap button, else the job page's status (or whole page)."""
    status = 422 if error else 200
    if request.headers.get("HX-Target") == f"job-{job.id}":
        response = make_response(render_template(
            "jobs/_card.html", job=job, today=clock.shop_today(current_shop()),
            card_error=error.message if error else None), status)
        response.vary.add("HX-Request")
        return response
    # After a refusal the back form keeps what was typed; after a move it starts empty.
    back_form = MoveBackForm(formdata=None if error is None else request.form, earlier=jobs.earlier_statuses(job))
    if error is not None and error.field == "reason":
        show_domain_error(back_form, error)
    move_error = error.message if error is not None and error.field != "reason" else None
    return _job_page(job, status=status, back_form=back_form, move_error=move_error, fragment="jobs/_status.html")


# Photos


@bp.post("/<int:job_id>/photos")
@shop_required
@requires("jobs.edit")
def add_photos(job_id: int):
    shop = current_shop()
    job = get_for_shop_or_404(Job, job_id)
    limit = current_app.config["PHOTO_MAX_BYTES"]
    # Read one byte past the limit: enough to know a file is too large without holding all of it.
    uploads = [(upload.filename, upload.read(limit + 1)) for upload in request.files.getlist("photos")
               if upload and upload.filename]
    if not uploads:
        return _photos_answer(job, {"errors": [_("Take or choose at least one photo.")]}, status=422)
    added, refused = photos.add_photos(shop, job, uploads, by=current_user)
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        photos.discard_files(shop, added)
        raise
    messages = {"refused": refused}
    if added:
        messages["added"] = ngettext("%(num)d photo added.", "%(num)d photos added.", len(added))
    if not wants_fragment() and added:
        flash(messages["added"], "success")
        for item in refused:
            flash(f"{isolated(item.filename)}: {item.message}", "error")
        return redirect_to(url_for("jobs.show", job_id=job.id) + "#job-photos")
    response = _photos_answer(job, messages, status=200 if added else 422)
    return trigger(response, "photos-added") if added else response


def _photos_answer(job: Job, messages: dict, *, status: int):
    return _job_page(job, status=status, photo_messages=messages, fragment="jobs/_photos.html")


def _send_photo(photo_id: int, *, thumbnail: bool):
    shop = current_shop()
    photo = get_for_shop_or_404(JobPhoto, photo_id)
    path = photos.photo_path(shop, photo, thumbnail=thumbnail)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype="image/jpeg", conditional=True, etag=True)
    # A photo's file never changes (a new photo gets a new id); only this member's browser may keep it.
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response


@bp.get("/photos/<int:photo_id>")
@shop_required
@requires("jobs.view")
def photo(photo_id: int):
    return _send_photo(photo_id, thumbnail=False)


@bp.get("/photos/<int:photo_id>/thumbnail")
@shop_required
@requires("jobs.view")
def photo_thumbnail(photo_id: int):
    return _send_photo(photo_id, thumbnail=True)


@bp.post("/photos/<int:photo_id>/delete")
@shop_required
@requires("jobs.edit")
def delete_photo(photo_id: int):
    shop = current_shop()
    photo = get_for_shop_or_404(JobPhoto, photo_id)
    job = photo.job
    files = photos.delete_photo(shop, photo, by=current_user)
    db.session.commit()
    images.remove_files(files)
    if not wants_fragment():
        flash(_("Photo deleted."), "success")
        return redirect_to(url_for("jobs.show", job_id=job.id) + "#job-photos")
    return trigger(_photos_answer(job, {"deleted": _("Photo deleted.")}, status=200), "photo-deleted")
