"""Administration of organisations and accounts."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectChoice

from referral.admin import operations
from referral.admin.forms import NewUserForm, OrganisationForm, ResetPasswordForm, UserForm
from referral.auth.models import User
from referral.core.access import requires
from referral.core.exceptions import InvalidInput
from referral.core.forms import show_errors
from referral.extensions import db
from referral.organisations.models import Organisation
from referral.permissions import Permission

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _report(form: FlaskForm, error: InvalidInput) -> None:
    db.session.rollback()
    show_errors(form, error)


def _organisation_data(form: OrganisationForm) -> operations.OrganisationData:
    return operations.OrganisationData(
        name=form.name.data or "",
        type=form.type.data,
        region=form.region.data,
        is_public_authority=form.is_public_authority.data,
        services=tuple(form.services.data or ()),
        active=form.active.data,
    )


@bp.route("/organisations")
@requires(Permission.MANAGE_ORGANISATIONS)
def organisations():
    rows = db.session.scalars(select(Organisation).order_by(Organisation.name)).all()
    return render_template("admin/organisations.html", organisations=rows)


@bp.route("/organisations/new", methods=["GET", "POST"])
@requires(Permission.MANAGE_ORGANISATIONS)
def new_organisation():
    form = OrganisationForm()
    if form.validate_on_submit():
        try:
            operations.save_organisation(_organisation_data(form))
        except InvalidInput as error:
            _report(form, error)
        else:
            flash(_("Organisation created."), "success")
            return redirect(url_for("admin.organisations"))
    return render_template(
        "admin/organisation_form.html", form=form, organisation=None
    ), 422 if form.errors else 200


@bp.route("/organisations/<int:organisation_id>", methods=["GET", "POST"])
@requires(Permission.MANAGE_ORGANISATIONS)
def edit_organisation(organisation_id: int):
    organisation = db.get_or_404(Organisation, organisation_id)
    form = OrganisationForm(obj=organisation)
    if form.validate_on_submit():
        try:
            operations.save_organisation(_organisation_data(form), organisation)
        except InvalidInput as error:
            _report(form, error)
        else:
            flash(_("Organisation saved."), "success")
            return redirect(url_for("admin.organisations"))
    return render_template(
        "admin/organisation_form.html", form=form, organisation=organisation
    ), 422 if form.errors else 200


def _organisation_choices() -> list[SelectChoice]:
    rows = db.session.execute(
        select(Organisation.id, Organisation.name).order_by(Organisation.name)
    )
    return [SelectChoice(row.id, row.name) for row in rows]


def _user_data(form: UserForm) -> operations.UserData:
    return operations.UserData(
        email=form.email.data or "",
        role=form.role.data,
        organisation_id=form.organisation_id.data,
        locale=form.locale.data,
        active=form.active.data,
    )


@bp.route("/users")
@requires(Permission.MANAGE_USERS)
def users():
    rows = db.session.scalars(select(User).order_by(User.email)).all()
    return render_template("admin/users.html", users=rows)


@bp.route("/users/new", methods=["GET", "POST"])
@requires(Permission.MANAGE_USERS)
def new_user():
    form = NewUserForm()
    form.organisation_id.choices = _organisation_choices()
    if form.validate_on_submit():
        try:
            operations.create_user(_user_data(form), form.password.data)
        except InvalidInput as error:
            _report(form, error)
        else:
            flash(_("Account created."), "success")
            return redirect(url_for("admin.users"))
    return render_template(
        "admin/user_form.html", form=form, user=None
    ), 422 if form.errors else 200


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@requires(Permission.MANAGE_USERS)
def edit_user(user_id: int):
    user = db.get_or_404(User, user_id)
    form = UserForm(obj=user)
    form.organisation_id.choices = _organisation_choices()
    if form.validate_on_submit():
        try:
            operations.update_user(user, _user_data(form))
        except InvalidInput as error:
            _report(form, error)
        else:
            flash(_("Account saved."), "success")
            return redirect(url_for("admin.users"))
    return render_template(
        "admin/user_form.html", form=form, user=user, reset_form=ResetPasswordForm()
    ), 422 if form.errors else 200


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@requires(Permission.MANAGE_USERS)
def reset_password(user_id: int):
    user = db.get_or_404(User, user_id)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            operations.reset_password(user, form.password.data)
        except InvalidInput as error:
            _report(form, error)
        else:
            flash(_("Password reset. The account's sessions have been ended."), "success")
            return redirect(url_for("admin.edit_user", user_id=user.id))
    user_form = UserForm(obj=user)
    user_form.organisation_id.choices = _organisation_choices()
    return render_template(
        "admin/user_form.html", form=user_form, user=user, reset_form=form
    ), 422 if form.errors else 200
