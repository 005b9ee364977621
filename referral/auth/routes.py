from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from referral.auth import operations
from referral.auth.forms import ChangePasswordForm, LoginForm
from referral.auth.passwords import PasswordRejected
from referral.auth.sessions import end_current_session
from referral.core.access import public, requires
from referral.core.redirects import safe_next
from referral.permissions import Permission

bp = Blueprint("auth", __name__, url_prefix="/auth")


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    home = url_for("core.home")
    if current_user.is_authenticated:
        return redirect(home)
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        result = operations.sign_in(form.email.data, form.password.data, request.remote_addr or "")
        if result.throttled_for is not None:
            minutes = max(1, int(result.throttled_for.total_seconds() // 60) + 1)
            form.email.errors.append(
                _("Too many failed attempts. Try again in %(n)d minutes.", n=minutes)
            )
            return render_template("auth/login.html", form=form), 429
        if result.user is None:
            form.password.errors.append(_("The email or password is incorrect."))
            return render_template("auth/login.html", form=form), 422
        login_user(result.user)
        chosen = session.pop("locale_chosen_signed_out", None)
        if chosen:
            result.user.locale = chosen  # the language picked on the sign-in page stays
        return redirect(safe_next(form.next.data, home))
    return render_template("auth/login.html", form=form), 422 if form.errors else 200


@bp.route("/logout", methods=["POST"])
@requires(Permission.USE_APP)
def logout():
    # CSRFProtect has already checked the token: a forged sign-out never reaches here.
    end_current_session()
    logout_user()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@requires(Permission.USE_APP)
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            changed = operations.change_own_password(
                current_user, form.current_password.data, form.new_password.data
            )
        except PasswordRejected as rejected:
            form.new_password.errors.append(str(rejected))
        else:
            if changed:
                flash(_("Your password has been changed."), "success")
                return redirect(url_for("core.home"))
            form.current_password.errors.append(_("The current password is incorrect."))
    return render_template("auth/change_password.html", form=form), 422 if form.errors else 200
