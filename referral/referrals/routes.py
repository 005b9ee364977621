"""Pages for service referrals, case owners, notifications and each partner's inbox."""

from datetime import UTC

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from referral.audit.trail import record
from referral.cases import policy
from referral.cases.operations import GuardRefused, get_visible_case
from referral.core.access import requires
from referral.core.exceptions import Conflict, DomainError, InvalidInput
from referral.core.forms import show_errors
from referral.extensions import db
from referral.organisations.models import SERVICE_LABELS, Service
from referral.permissions import Permission
from referral.referrals import operations as ops
from referral.referrals.forms import CapacityForm, NewReferralForm, OwnerForm, ReferralActionForm
from referral.referrals.inbox import work_counts, work_for
from referral.referrals.models import ServiceReferral
from referral.referrals.process import OUTCOMES
from workflows.service_referral import ACTIONS, STATUS_LABELS, ReferralStatus

bp = Blueprint("referrals", __name__)


@bp.route("/cases/<reference>/referrals/new", methods=["GET", "POST"])
@requires(Permission.CASE_DECIDE)
def new(reference: str):
    case = get_visible_case(current_user, reference)
    form = NewReferralForm(service=request.args.get("service", ""))
    service = form.service.data if form.service.data in set(Service) else None
    providers = ops.providers_for(case, service) if service else []
    form.organisation_id.choices = [
        SelectChoice(str(p.organisation.id), p.organisation.name) for p in providers
    ]
    status = 200
    if request.method == "POST" and form.validate_on_submit():
        respond_by = form.respond_by.data.replace(tzinfo=UTC) if form.respond_by.data else None
        try:
            organisation_id = int(form.organisation_id.data) if form.organisation_id.data else None
            ops.create_referral(
                current_user,
                case,
                organisation_id,
                form.service.data or "",
                form.note.data,
                respond_by,
            )
        except (InvalidInput, GuardRefused) as error:
            db.session.rollback()
            case = get_visible_case(current_user, reference)
            if isinstance(error, InvalidInput):
                show_errors(form, error)
            else:
                flash(error.message, "error")
            status = 422
        else:
            flash(_("Referral sent."), "success")
            return redirect(url_for("cases.show", reference=case.reference, _anchor="referrals"))
    return render_template(
        "referrals/new.html", form=form, case=case, providers=providers, service=service
    ), status


@bp.route("/referrals")
@requires(Permission.CASE_VIEW)
def index():
    status = request.args.get("status")
    wanted = ReferralStatus(status) if status in {s.value for s in ReferralStatus} else None
    query = ops.visible_referrals(current_user, status=wanted)
    record("referral.listed", details={"via": "page", "status": wanted.value if wanted else None})
    referrals = db.session.scalars(query.order_by(ServiceReferral.id.desc()).limit(200)).all()
    return render_template("referrals/index.html", referrals=referrals, status=status)


@bp.route("/referrals/<int:referral_id>")
@requires(Permission.CASE_VIEW)
def show(referral_id: int):
    referral = ops.read_referral(current_user, referral_id, "page")
    return _render(referral)


def _render(referral: ServiceReferral, form: ReferralActionForm | None = None, status: int = 200):
    return render_template(
        "referrals/show.html",
        referral=referral,
        form=form or ReferralActionForm(version=referral.version),
        actions=_available_actions(referral),
        action_specs=ACTIONS,
        outcomes=OUTCOMES,
    ), status


def _available_actions(referral: ServiceReferral) -> list[str]:
    """The actions the referral's state allows and the current user may take."""
    from workflows.service_referral import MACHINE

    def may(action: str) -> bool:
        if ACTIONS[action]["who"] == "provider":
            return ops.is_provider_user(current_user, referral)
        return policy.is_coordinator(current_user)

    return [
        action
        for action in ACTIONS
        if MACHINE.events[action].transitions.get(referral.status.name) and may(action)
    ]


@bp.route("/referrals/<int:referral_id>/<action>", methods=["POST"])
@requires(Permission.CASE_WORK)
def act(referral_id: int, action: str):
    referral = ops.get_referral(current_user, referral_id)
    if action not in ACTIONS:
        abort(404)
    form = ReferralActionForm()
    version = int(form.version.data) if (form.version.data or "").isdigit() else None
    try:
        ops.act(
            current_user,
            referral,
            action,
            form.reason.data,
            form.outcome.data,
            form.note.data,
            version,
        )
    except DomainError as error:
        if error.status == 403:
            raise
        db.session.rollback()
        referral = ops.read_referral(current_user, referral_id, "page")
        flash(error.message, "error")
        return _render(referral, form, error.status)
    flash(_("Done: %(action)s.", action=ACTIONS[action]["label"]), "success")
    return redirect(url_for("referrals.show", referral_id=referral.id))


@bp.route("/cases/<reference>/owner", methods=["POST"])
@requires(Permission.CASE_DECIDE)
def assign_owner(reference: str):
    case = get_visible_case(current_user, reference)
    form = OwnerForm()
    owner_id = int(form.user_id.data) if (form.user_id.data or "").isdigit() else None
    try:
        ops.assign_owner(current_user, case, owner_id)
    except InvalidInput as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        flash(_("Case owner assigned."), "success")
    return redirect(url_for("cases.show", reference=reference))


@bp.route("/cases/<reference>/information", methods=["POST"])
@requires(Permission.CASE_DECIDE)
def ask_for_information(reference: str):
    case = get_visible_case(current_user, reference)
    try:
        ops.ask_for_information(current_user, case, request.form.get("question"))
    except InvalidInput as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        flash(
            _(
                "Question sent to %(organisation)s.",
                organisation=case.identifying_organisation.name,
            ),
            "success",
        )
    return redirect(url_for("cases.show", reference=reference, _anchor="information"))


@bp.route("/cases/<reference>/information/<int:request_id>/answer", methods=["POST"])
@requires(Permission.CASE_WORK)
def answer_information_request(reference: str, request_id: int):
    case = get_visible_case(current_user, reference)
    try:
        ops.answer_information_request(current_user, case, request_id, request.form.get("answer"))
    except (InvalidInput, Conflict) as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        flash(_("Answer sent."), "success")
    return redirect(url_for("cases.show", reference=reference, _anchor="information"))


@bp.route("/notifications/<int:notification_id>/read", methods=["POST"])
@requires(Permission.USE_APP)
def read_notification(notification_id: int):
    ops.mark_read(current_user, notification_id)
    return redirect(url_for("core.home"))


@bp.route("/organisation/capacity", methods=["GET", "POST"])
@requires(Permission.REFERRAL_ANSWER)
def capacity():
    organisation = current_user.organisation
    form = CapacityForm()
    if form.validate_on_submit():
        try:
            ops.set_capacity(organisation, form.service.data, form.capacity.data)
        except InvalidInput as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            flash(_("Capacity saved."), "success")
            return redirect(url_for("referrals.capacity"))
    rows = [
        {
            "service": o.service,
            "label": SERVICE_LABELS.get(Service(o.service), o.service),
            "capacity": o.capacity,
            "taken": ops.places_taken(organisation.id, o.service),
        }
        for o in organisation.offered
    ]
    return render_template("referrals/capacity.html", rows=rows, form=form), (
        422 if form.errors else 200
    )


@bp.app_context_processor
def navigation_counts() -> dict:
    """Counts shown in the navigation on every page."""
    from flask import g

    if not current_user or not current_user.is_authenticated:
        return {"nav_counts": None}
    if "nav_counts" not in g:
        counts = work_counts(current_user)
        g.nav_counts = {"work": counts.total, "overdue": counts.overdue}
    return {"nav_counts": g.nav_counts}


def inbox_context() -> dict:
    """For the "My work" page and the navigation counts."""
    items = work_for(current_user)
    return {
        "work_items": items,
        "overdue_count": sum(1 for i in items if i.overdue),
        "notifications": ops.unread_notifications(current_user),
        "status_labels": STATUS_LABELS,
    }
