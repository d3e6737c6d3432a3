"""Notes on a job as the work goes: written on the job's page, one note even when a phone sends it twice."""
from flask import flash, g, make_response, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from ...extensions import db
from ...forms import show_domain_error
from ...htmx import redirect_to, trigger, wants_fragment
from ...models import Job, JobNote
from ...permissions import requires
from ...services import job_notes
from ...services.errors import DomainError
from ...tenancy import current_shop, get_for_shop_or_404, shop_required
from . import bp
from .forms import JobNoteForm


@bp.context_processor
def job_note_helpers():
    return {
        "job_notes": lambda job: job_notes.for_job(current_shop(), job),
        # The form as it was sent (with its errors) while answering it, else a fresh one with a new key.
        "job_note_form": lambda: g.get("job_note_form") or JobNoteForm(formdata=None),
    }


def _write(shop, job: Job, form: JobNoteForm) -> JobNote:
    """Write the note and commit: the same key twice, even at the same moment, is one note."""
    key = form.idempotency_key.data
    try:
        note, _created = job_notes.add(shop, job, by=current_user, body=form.body.data, idempotency_key=key)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        note = job_notes.find_by_key(shop, key) if key else None
        if note is None:
            raise
    return note


@bp.post("/<int:job_id>/notes")
@shop_required
@requires("jobs.edit")
def add_note(job_id: int):
    shop = current_shop()
    job = get_for_shop_or_404(Job, job_id)
    form = JobNoteForm()
    key = (form.idempotency_key.data or "").strip()
    note = job_notes.find_by_key(shop, key) if key else None
    if note is None and form.validate_on_submit():
        try:
            note = _write(shop, job, form)
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
    if note is None:
        return _refused(job, form)
    if wants_fragment():
        response = _notes_fragment(job, status=200)
        return trigger(response, "job-note-added", {"id": note.id, "job_id": job.id})
    flash(_("Note saved."), "success")
    return redirect_to(url_for("jobs.show", job_id=job.id) + "#job-notes")


def _notes_fragment(job: Job, *, status: int):
    response = make_response(render_template("jobs/_notes.html", job=job), status)
    response.vary.add("HX-Request")
    return response


def _refused(job: Job, form: JobNoteForm):
    """The note again with what is wrong, in place (htmx) or on the whole job page."""
    g.job_note_form = form
    if wants_fragment():
        return _notes_fragment(job, status=422)
    from .routes import _job_page  # the job's page, drawn by the job views

    return _job_page(job, status=422)
