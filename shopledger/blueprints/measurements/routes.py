"""Views for measurement templates: list, add, change, archive, and the standard set in one tap."""
from flask import flash, render_template, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from ...extensions import db
from ...forms import show_domain_error
from ...htmx import redirect_to
from ...i18n import isolated
from ...models import MeasurementTemplate
from ...permissions import requires
from ...services import measurements
from ...services.errors import DomainError
from ...tenancy import current_shop, get_for_shop_or_404, shop_required
from . import bp
from .forms import TemplateForm


@bp.get("")
@shop_required
@requires("measurements.manage")
def index():
    templates = measurements.list_templates(current_shop())
    return render_template("measurements/index.html",
                           templates=[(template, measurements.summary(template)) for template in templates])


@bp.get("/new")
@shop_required
@requires("measurements.manage")
def new():
    return render_template("measurements/new.html", form=TemplateForm())


@bp.post("")
@shop_required
@requires("measurements.manage")
def create():
    return _save(TemplateForm(), None, "measurements/new.html")


@bp.get("/<int:template_id>/edit")
@shop_required
@requires("measurements.manage")
def edit(template_id: int):
    template = get_for_shop_or_404(MeasurementTemplate, template_id)
    form = TemplateForm(data={"name": template.name, "fields": measurements.fields_as_text(template)})
    return render_template("measurements/edit.html", form=form, template=template)


@bp.post("/<int:template_id>")
@shop_required
@requires("measurements.manage")
def update(template_id: int):
    template = get_for_shop_or_404(MeasurementTemplate, template_id)
    return _save(TemplateForm(), template, "measurements/edit.html")


def _save(form: TemplateForm, template: MeasurementTemplate | None, page: str):
    if form.validate_on_submit():
        try:
            saved = measurements.save_template(current_shop(), by=current_user, name=form.name.data,
                                               fields_text=form.fields.data, template=template)
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Template %(name)s saved.", name=isolated(saved.name)), "success")
            return redirect_to(url_for("measurements.index"))
    return render_template(page, form=form, template=template), 422


@bp.post("/<int:template_id>/archive")
@shop_required
@requires("measurements.manage")
def archive(template_id: int):
    template = get_for_shop_or_404(MeasurementTemplate, template_id)
    measurements.archive_template(current_shop(), template, by=current_user)
    db.session.commit()
    flash(_("Template %(name)s archived. Jobs made with it keep their measurements.", name=isolated(template.name)),
          "success")
    return redirect_to(url_for("measurements.index"))


@bp.post("/standard")
@shop_required
@requires("measurements.manage")
def add_defaults():
    made = measurements.add_default_templates(current_shop(), by=current_user, locales=(str(get_locale()),))
    db.session.commit()
    flash(ngettext("%(num)d template added.", "%(num)d templates added.", len(made)), "success")
    return redirect_to(url_for("measurements.index"))
