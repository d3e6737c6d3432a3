"""Views for the members page: invite, change role, revoke."""
from flask import flash, make_response, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...extensions import db
from ...htmx import redirect_to, render, trigger, wants_fragment
from ...models import Invitation, Membership, Role
from ...permissions import requires
from ...services import members
from ...services.errors import DomainError
from ...tenancy import current_shop, get_for_shop_or_404, shop_required
from . import bp
from .forms import InviteForm, RoleForm


def _page(invite_form=None, new_link=None, status=200):
    shop = current_shop()
    return render(
        "members/index.html", "members/_invite.html", status=status,
        members=members.list_members(shop), invitations=members.list_open_invitations(shop),
        invite_form=invite_form or InviteForm(), new_link=new_link,
    )


@bp.get("")
@shop_required
@requires("members.view")
def index():
    return _page()


@bp.post("/invitations")
@shop_required
@requires("members.manage")
def invite():
    form = InviteForm()
    if not form.validate_on_submit():
        return _page(invite_form=form, status=422)
    invitation, token = members.invite(current_shop(), by=current_user, name=form.name.data, role=Role(form.role.data))
    db.session.commit()
    link = url_for("auth.invitation", token=token, _external=True)
    # A fresh, empty form: the same name must not be one tap away from a second invitation.
    return _page(invite_form=InviteForm(formdata=None), new_link={"invitation": invitation, "url": link})


@bp.post("/invitations/<int:invitation_id>/revoke")
@shop_required
@requires("members.manage")
def revoke_invitation(invitation_id: int):
    invitation = get_for_shop_or_404(Invitation, invitation_id)
    members.revoke_invitation(current_shop(), invitation, by=current_user)
    db.session.commit()
    flash(_("The invitation link no longer works."), "success")
    return redirect_to(url_for("members.index"))


@bp.post("/<int:membership_id>/role")
@shop_required
@requires("members.manage")
def change_role(membership_id: int):
    membership = get_for_shop_or_404(Membership, membership_id)
    form = RoleForm()
    errors = []
    if form.validate_on_submit():
        try:
            members.change_role(current_shop(), membership, role=Role(form.role.data), by=current_user)
        except DomainError as error:
            db.session.rollback()
            errors.append(error.message)
        else:
            db.session.commit()
    else:
        errors.extend(form.role.errors)
    if not wants_fragment():
        for message in errors:
            flash(message, "error")
        if not errors:
            flash(_("Role changed."), "success")
        return redirect_to(url_for("members.index"))
    response = make_response(
        render_template("members/_member.html", member=membership, errors=errors), 422 if errors else 200
    )
    return response if errors else trigger(response, "member-changed")


@bp.post("/<int:membership_id>/revoke")
@shop_required
@requires("members.manage")
def revoke(membership_id: int):
    membership = get_for_shop_or_404(Membership, membership_id)
    name = membership.user.name
    try:
        members.revoke(current_shop(), membership, by=current_user)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect_to(url_for("members.index"))
    db.session.commit()
    flash(_("%(name)s can no longer use this shop.", name=name), "success")
    if membership.user_id == current_user.id:
        return redirect_to(url_for("main.home"))
    return redirect_to(url_for("members.index"))
