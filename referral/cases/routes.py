"""Case pages: list, record, view, indicators, consent and the steps of the NRM process."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from referral.audit.trail import record
from referral.cases import operations, policy
from referral.cases.assessment import assess
from referral.cases.forms import (
    NO_CHOICE,
    CaseFilterForm,
    CaseForm,
    ConsentForm,
    IndicatorForm,
    RetractForm,
    TransitionForm,
)
from referral.cases.models import Case
from referral.cases.operations import CaseFilters, CaseInput, GuardRefused
from referral.core.access import requires
from referral.core.exceptions import Conflict, DomainError, InvalidInput
from referral.core.forms import show_errors
from referral.core.widgets import choices
from referral.extensions import db
from referral.indicators.catalogue import catalogue
from referral.permissions import Permission
from workflows.nrm import STAGE_LABELS, TRIGGERS, Stage

bp = Blueprint("cases", __name__)

PER_PAGE = 25


def _case(reference: str) -> Case:
    return operations.get_visible_case(current_user, reference)


def _status(form) -> int:
    return 422 if form.errors else 200


@bp.route("/cases")
@requires(Permission.CASE_VIEW)
def index():
    form = CaseFilterForm(request.args)
    form.stage.choices = [
        SelectChoice("", _("Any")),
        *choices((stage.value, label) for stage, label in STAGE_LABELS.items()),
    ]
    filters = CaseFilters()
    if form.validate():
        filters = CaseFilters(
            stage=form.stage.data or None,
            exploitation_type=form.exploitation_type.data or None,
            region=form.region.data or None,
            needs_my_action=bool(form.needs_my_action.data),
        )
    page = max(request.args.get("page", 1, type=int), 1)
    items, total = operations.find_cases(current_user, filters, page, PER_PAGE)
    record("case.listed", details={"via": "page", "filters": filters.as_details(), "page": page})
    pages = max((total + PER_PAGE - 1) // PER_PAGE, 1)

    def page_url(number: int) -> str:
        return url_for("cases.index", **{**request.args.to_dict(), "page": number})

    return render_template(
        "cases/index.html",
        form=form,
        cases=items,
        total=total,
        page=page,
        pages=pages,
        page_url=page_url,
    )


def _case_input(form: CaseForm) -> CaseInput:
    return CaseInput(
        age_band=form.age_band.data or "",
        gender=form.gender.data or "",
        citizenship=form.citizenship.data or "",
        exploitation_types=list(form.exploitation_types.data or []),
        labour_industry=form.labour_industry.data or None,
        region=form.region.data,
        identified_on=form.identified_on.data,
    )


@bp.route("/cases/new", methods=["GET", "POST"])
@requires(Permission.CASE_CREATE)
def new():
    form = CaseForm()
    if form.validate_on_submit():
        try:
            case = operations.create_case(current_user, _case_input(form))
        except InvalidInput as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            flash(_("Case %(reference)s recorded.", reference=case.reference), "success")
            return redirect(url_for("cases.show", reference=case.reference))
    return render_template("cases/form.html", form=form, case=None), _status(form)


@bp.route("/cases/<reference>")
@requires(Permission.CASE_VIEW)
def show(reference: str):
    return _render_case(_case(reference))


def _render_case(case: Case, indicator_form: IndicatorForm | None = None, status: int = 200):
    """The case page; every time it is shown, the read is recorded."""
    record("case.viewed", case_reference=case.reference, details={"via": "page"})
    form_name = operations.indicator_form(case)
    cat = catalogue()
    if indicator_form is None:
        indicator_form = IndicatorForm()
    dimension_labels = {d.code: d.label for d in cat.dimensions}
    indicator_form.code.choices = [NO_CHOICE] + [
        SelectChoice(i.code, f"{i.code} · {i.label}", optgroup=dimension_labels[i.dimension])
        for i in cat.for_form(form_name)
    ]
    return render_template(
        "cases/show.html",
        case=case,
        form_name=form_name,
        catalogue=cat,
        assessment=assess(case, form_name),
        triggers=policy.allowed_triggers(current_user, case),
        trigger_specs=TRIGGERS,
        can_log=policy.can_log_indicator(current_user, case),
        can_edit=policy.can_edit(current_user, case),
        can_retract=lambda o: policy.can_retract(current_user, case, o),
        can_see_note=lambda o: policy.can_see_note(current_user, o),
        can_see_reasons=policy.can_see_reasons(current_user, case),
        indicator_form=indicator_form,
        retract_form=RetractForm(),
        **_referrals_context(case),
    ), status


def _referrals_context(case: Case) -> dict:
    from referral.referrals.forms import OwnerForm
    from referral.referrals.models import ServiceReferral
    from referral.referrals.operations import (
        coordinators,
        information_requests,
        sees_all_referrals,
        visible_referrals,
    )

    query = visible_referrals(current_user, case=case)
    sees_all = sees_all_referrals(current_user)
    context = {"referrals": db.session.scalars(query.order_by(ServiceReferral.id)).all()}
    if sees_all or policy.of_identifying_organisation(current_user, case):
        context["information_requests"] = information_requests(case)
        context["can_answer"] = policy.is_frontline(current_user) and (
            policy.of_identifying_organisation(current_user, case)
        )
    if policy.is_coordinator(current_user):
        form = OwnerForm(user_id=str(case.owner_id or ""))
        form.user_id.choices = [SelectChoice("", "—")] + [
            SelectChoice(str(u.id), u.email) for u in coordinators()
        ]
        context["owner_form"] = form
    return context


@bp.route("/cases/<reference>/edit", methods=["GET", "POST"])
@requires(Permission.CASE_WORK)
def edit(reference: str):
    case = _case(reference)
    if not policy.can_edit(current_user, case):
        abort(403)
    form = CaseForm(obj=case, data={"exploitation_types": case.exploitation_types})
    if form.validate_on_submit():
        try:
            version = int(form.version.data) if form.version.data else None
            operations.update_case(current_user, case, _case_input(form), version)
        except InvalidInput as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            flash(_("Case saved."), "success")
            return redirect(url_for("cases.show", reference=case.reference))
    record("case.viewed", case_reference=case.reference, details={"via": "edit"})
    return render_template("cases/form.html", form=form, case=case), _status(form)


@bp.route("/cases/<reference>/indicators", methods=["POST"])
@requires(Permission.INDICATOR_LOG)
def log_indicator(reference: str):
    case = _case(reference)
    form = IndicatorForm()
    try:
        operations.log_indicator(current_user, case, form.code.data or "", form.note.data)
    except InvalidInput as error:
        db.session.rollback()
        case = _case(reference)
        form.code.errors, form.note.errors = [], []
        show_errors(form, error)
        return _render_case(case, form, 422)
    flash(_("Indicator logged."), "success")
    return redirect(url_for("cases.show", reference=case.reference, _anchor="indicators"))


@bp.route("/cases/<reference>/indicators/<int:observation_id>/retract", methods=["POST"])
@requires(Permission.CASE_WORK)
def retract_indicator(reference: str, observation_id: int):
    case = _case(reference)
    operations.retract_indicator(current_user, case, observation_id)
    flash(_("Observation retracted. It stays in the case history."), "success")
    return redirect(url_for("cases.show", reference=case.reference, _anchor="indicators"))


@bp.route("/cases/<reference>/consent", methods=["GET", "POST"])
@requires(Permission.CASE_WORK)
def consent(reference: str):
    case = _case(reference)
    if not policy.can_record_consent(current_user, case):
        abort(403)
    form = ConsentForm(obj=case, status=case.consent_status, version=case.version)
    if form.validate_on_submit():
        try:
            operations.record_consent(
                current_user,
                case,
                form.status.data or "",
                form.share_with_law_enforcement.data,
                form.version.data,
            )
        except (InvalidInput, GuardRefused) as error:
            db.session.rollback()
            case = _case(reference)
            _form_error(form, error, "status")
        else:
            flash(_("Consent recorded."), "success")
            return redirect(url_for("cases.show", reference=case.reference))
    record("case.viewed", case_reference=case.reference, details={"via": "consent"})
    return render_template("cases/consent.html", form=form, case=case), _status(form)


def _form_error(form, error, default_field: str) -> None:
    if isinstance(error, InvalidInput):
        show_errors(form, error)
    else:
        field = getattr(form, default_field)
        field.errors = [*field.errors, error.message]


@bp.route("/cases/<reference>/actions/<trigger>", methods=["GET", "POST"])
@requires(Permission.CASE_WORK)
def act(reference: str, trigger: str):
    case = _case(reference)
    spec = TRIGGERS.get(trigger)
    if spec is None:
        abort(404)
    if not policy.may_fire(current_user, case, trigger):
        abort(403)
    form = TransitionForm(version=case.version)
    # Only the fields this step takes are validated (and shown).
    if not spec["outcome"]:
        del form.outcome
    if spec["reason"] != "text":
        del form.reason
    if spec["reason"] != "code":
        del form.closure_reason
    if form.validate_on_submit():
        reason = None
        if spec["reason"]:
            reason = (form.closure_reason if spec["reason"] == "code" else form.reason).data
        outcome = form.outcome.data if spec["outcome"] else None
        try:
            operations.fire(current_user, case, trigger, outcome, reason, form.version.data)
        except (InvalidInput, GuardRefused) as error:
            db.session.rollback()
            case = _case(reference)
            _show_step_error(form, error, spec)
            return render_template(
                "cases/action.html", form=form, case=case, trigger=trigger, spec=spec
            ), 422
        except Conflict as error:
            db.session.rollback()
            case = _case(reference)
            flash(error.message, "error")
            return render_template(
                "cases/action.html", form=form, case=case, trigger=trigger, spec=spec
            ), 409
        else:
            flash(_("Done: %(action)s.", action=spec["label"]), "success")
            return redirect(url_for("cases.show", reference=case.reference))
    return render_template(
        "cases/action.html", form=form, case=case, trigger=trigger, spec=spec
    ), _status(form)


def _show_step_error(form: TransitionForm, error: DomainError, spec: dict) -> None:
    """Next to the field it concerns when there is one; otherwise at the top of the page."""
    reason_field = "closure_reason" if spec["reason"] == "code" else "reason"
    name = {
        "outcome_required": "outcome",
        "reason_required": reason_field,
        "identifying_data": reason_field,
        "too_long": reason_field,
    }.get(error.code)
    field = getattr(form, name, None) if name else None
    if field is None:
        flash(error.message, "error")
    else:
        field.errors = [*field.errors, error.message]


@bp.route("/workflow")
@requires(Permission.USE_APP)
def workflow():
    from referral.cases.workflow_view import workflow_description

    return render_template("cases/workflow.html", workflow=workflow_description(), Stage=Stage)
