from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user

from referral.core.access import public, requires
from referral.core.redirects import safe_next
from referral.extensions import db
from referral.permissions import (
    PERMISSION_LABELS,
    ROLE_DESCRIPTIONS,
    ROLE_LABELS,
    ROLE_PERMISSIONS,
    Permission,
    Role,
)

bp = Blueprint("core", __name__)


@bp.route("/")
@requires(Permission.USE_APP)
def home():
    from referral.referrals.routes import inbox_context

    return render_template("core/home.html", **inbox_context())


@bp.route("/roles")
@requires(Permission.USE_APP)
def roles():
    return render_template(
        "core/roles.html",
        roles=list(Role),
        permissions=list(Permission),
        role_labels=ROLE_LABELS,
        role_descriptions=ROLE_DESCRIPTIONS,
        permission_labels=PERMISSION_LABELS,
        granted=ROLE_PERMISSIONS,
    )


@bp.route("/language", methods=["POST"])
@public
def set_language():
    """Remember the chosen language: on the account when signed in, else in the session."""
    locale = request.form.get("locale", "")
    if locale not in current_app.config["LANGUAGES"]:
        abort(400)
    session["locale"] = locale
    if current_user.is_authenticated:
        current_user.locale = locale
        db.session.flush()
    else:
        session["locale_chosen_signed_out"] = locale
    return redirect(safe_next(request.form.get("next"), url_for("core.home")))


@bp.route("/healthz")
@public
def healthz():
    return {"status": "ok"}
