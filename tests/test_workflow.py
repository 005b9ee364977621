"""The NRM state machine at the operation level: every transition, every guard."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from referral.auth.models import User
from referral.cases import operations as ops
from referral.cases.models import Case, IndicatorObservation, StageChange
from referral.core.deadlines import add_working_days
from referral.core.exceptions import Conflict, InvalidInput, NotAllowed
from referral.core.types import utcnow
from referral.extensions import db
from tests.conftest import ROLE_EMAILS
from workflows.nrm import MACHINE, TRIGGERS, Stage, triggers_from

ADULT = dict(
    age_band="30-38", gender="male", citizenship="MD", exploitation_types=["forced_labour"]
)
CHILD = dict(
    age_band="9-17", gender="female", citizenship="UA", exploitation_types=["forced_begging"]
)


@pytest.fixture
def ctx(app, demo):
    with app.test_request_context():
        yield


def user(role: str) -> User:
    return db.session.scalar(select(User).where(User.email == ROLE_EMAILS[role]))


def new_case(role="police", **fields) -> Case:
    return ops.create_case(user(role), ops.CaseInput(**{**ADULT, **fields}))


def referred_case(**fields) -> Case:
    case = new_case(**fields)
    ops.log_indicator(user("police"), case, "CD-01")
    if not case.is_child:
        ops.record_consent(user("police"), case, "given", False)
    ops.fire(user("police"), case, "refer")
    return case


def in_recovery() -> Case:
    case = referred_case()
    ops.fire(user("coordinator"), case, "reasonable_grounds", "positive", "credible account")
    return case


def end_recovery_period(case: Case) -> None:
    case.recovery_ends_on = utcnow().date() - timedelta(days=1)


def in_rehabilitation() -> Case:
    case = in_recovery()
    end_recovery_period(case)
    ops.fire(
        user("coordinator"), case, "conclusive_grounds", "positive", "balance of probabilities"
    )
    return case


def refused(code: str, call, *args, **kwargs):
    with pytest.raises(ops.GuardRefused) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code
    return caught.value


# --- the machine as data ----------------------------------------------------------------


def test_machine_has_no_auto_transitions_and_every_trigger_is_described():
    assert set(MACHINE.events) == set(TRIGGERS)
    assert not any(name.startswith("to_") for name in MACHINE.events)


def test_triggers_by_stage():
    assert triggers_from(Stage.IDENTIFIED) == ["refer", "notify"]
    assert triggers_from(Stage.NOTIFIED) == ["refer"]
    assert triggers_from(Stage.REFERRED) == ["reasonable_grounds", "withdraw_consent"]
    assert triggers_from(Stage.RECOVERY) == ["conclusive_grounds", "withdraw_consent", "close"]
    assert triggers_from(Stage.REHABILITATION) == ["withdraw_consent", "close"]
    assert triggers_from(Stage.CLOSED) == ["reconsider", "reopen"]


def test_working_days_skip_weekends_and_cross_month_ends():
    from datetime import date

    assert add_working_days(date(2026, 11, 27), 5) == date(2026, 12, 4)  # Friday → Friday
    assert add_working_days(date(2026, 11, 28), 1) == date(2026, 11, 30)  # Saturday → Monday
    assert add_working_days(date(2026, 12, 30), 3) == date(2027, 1, 4)  # over New Year


# --- recording ------------------------------------------------------------------------------


def test_case_reference_is_random_and_readable(ctx):
    references = {new_case().reference for _ in range(20)}
    assert len(references) == 20
    for reference in references:
        assert reference.startswith(f"NRM-{utcnow().year}-")
        assert len(reference.split("-")[2]) == 8
        assert not set(reference.split("-")[2]) & set("ILOU")


def test_a_child_needs_no_consent_and_is_derived_from_the_age_band(ctx):
    case = new_case(**CHILD)
    assert case.is_child
    assert case.consent_status == "not_required"
    assert not new_case().is_child


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"age_band": "31"}, "age_band"),
        ({"gender": "robot"}, "gender"),
        ({"citizenship": "XQ"}, "citizenship"),
        ({"exploitation_types": []}, "exploitation_types"),
        ({"exploitation_types": ["slavery"]}, "exploitation_types"),
        ({"labour_industry": "Z"}, "labour_industry"),
        (
            {"exploitation_types": ["sexual_exploitation"], "labour_industry": "C"},
            "labour_industry",
        ),
        ({"identified_on": "2026-03-14"}, "identified_on"),
        ({"identified_on": "2999-01"}, "identified_on"),
        ({"region": "flat 4, call 8 912 345 67 89"}, "region"),
    ],
)
def test_invalid_profiles_are_refused_and_nothing_is_stored(ctx, fields, field):
    with pytest.raises(InvalidInput) as caught:
        new_case(**fields)
    assert field in caught.value.fields
    db.session.rollback()
    assert db.session.scalar(select(func.count(Case.id))) == 0


def test_only_frontline_partners_record_cases(ctx):
    for role in ("coordinator", "auditor", "admin"):
        with pytest.raises(NotAllowed):
            new_case(role=role)


@pytest.mark.parametrize(
    "note",
    [
        "her email is anna.k@mail.example",
        "phone +7 912 345-67-89",
        "passport AB1234567 held by the employer",
        "born 12.03.1990",
        "born on 3 March 1990",
    ],
)
def test_identifying_notes_are_refused_with_nothing_stored(ctx, note):
    case = new_case()
    with pytest.raises(InvalidInput) as caught:
        ops.log_indicator(user("police"), case, "DR-01", note)
    assert caught.value.code == "identifying_data"
    assert "Remove personal identifiers" in caught.value.fields["note"]
    db.session.rollback()
    assert db.session.scalar(select(func.count(IndicatorObservation.id))) == 0


def test_an_ordinary_note_is_kept(ctx):
    case = new_case()
    observation = ops.log_indicator(user("police"), case, "dr-01", "worked 14 hours a day, 7 days")
    assert (observation.code, observation.note) == ("DR-01", "worked 14 hours a day, 7 days")
    assert observation.organisation.name == "Central District Police"


def test_unknown_indicator_or_one_missing_from_the_childrens_list_is_refused(ctx):
    with pytest.raises(InvalidInput):
        ops.log_indicator(user("police"), new_case(), "XX-99")
    with pytest.raises(InvalidInput):
        ops.log_indicator(user("police"), new_case(**CHILD), "RV-08")  # adult list only


def test_retracting_keeps_the_observation_in_history(ctx):
    case = new_case()
    observation = ops.log_indicator(user("police"), case, "DR-01")
    ops.retract_indicator(user("police"), case, observation.id)
    assert observation.retracted_at is not None
    assert case.observations == [observation]
    assert case.active_observations == []
    with pytest.raises(Conflict):
        ops.retract_indicator(user("police"), case, observation.id)


def test_ilo_support_counts_per_dimension(ctx):
    from referral.cases.assessment import assess

    case = new_case()
    for code in ("CD-01", "CD-02", "EX-02"):
        ops.log_indicator(user("police"), case, code)
    by_code = {d.code: d for d in assess(case, ops.indicator_form(case))}
    assert sum(d.strong + d.medium + d.weak for d in by_code.values()) == 3
    assert by_code["EX"].meets_rule is False


def test_ilo_per_dimension_rule():
    from referral.indicators.catalogue import dimension_positive

    assert dimension_positive(2, 0, 0)
    assert dimension_positive(1, 1, 0) and dimension_positive(1, 0, 1)
    assert dimension_positive(0, 3, 0) and dimension_positive(0, 2, 1)
    assert not dimension_positive(1, 0, 0)
    assert not dimension_positive(0, 2, 0)
    assert not dimension_positive(0, 1, 5)


# --- refer and notify ------------------------------------------------------------------


def test_refer_needs_an_indicator(ctx):
    case = new_case()
    ops.record_consent(user("police"), case, "given", False)
    refused("indicator_required", ops.fire, user("police"), case, "refer")
    assert case.stage == Stage.IDENTIFIED


def test_adult_cannot_be_referred_without_consent(ctx):
    case = new_case()
    ops.log_indicator(user("police"), case, "DR-01")
    refused("consent_required", ops.fire, user("police"), case, "refer")
    ops.record_consent(user("police"), case, "refused", False)
    refused("consent_required", ops.fire, user("police"), case, "refer")


def test_child_is_referred_without_consent_and_the_rg_clock_starts(ctx, app):
    case = referred_case(**CHILD)
    assert case.stage == Stage.REFERRED
    working_days = app.config["RG_DECISION_WORKING_DAYS"]
    assert case.rg_due_on == add_working_days(case.referred_at.date(), working_days)


def test_only_the_identifying_organisations_frontline_users_refer(ctx):
    case = new_case()
    ops.log_indicator(user("police"), case, "DR-01")
    ops.record_consent(user("police"), case, "given", False)
    for role in ("coordinator", "auditor"):
        with pytest.raises(NotAllowed):
            ops.fire(user(role), case, "refer")


def test_public_authority_notifies_an_adult_who_refused_then_refers_later(ctx):
    case = new_case()
    ops.log_indicator(user("police"), case, "DR-01")
    refused("consent_not_refused", ops.fire, user("police"), case, "notify")
    ops.record_consent(user("police"), case, "refused", False)
    ops.fire(user("police"), case, "notify")
    assert case.stage == Stage.NOTIFIED
    ops.record_consent(user("police"), case, "given", False)
    ops.fire(user("police"), case, "refer")
    assert case.stage == Stage.REFERRED


def test_notify_is_for_public_authorities_and_adults_only(ctx):
    ngo_case = new_case(role="ngo")
    ops.record_consent(user("ngo"), ngo_case, "refused", False)
    with pytest.raises(NotAllowed):  # Safe Harbour is not a public authority
        ops.fire(user("ngo"), ngo_case, "notify")
    child = new_case(**CHILD)
    refused("not_for_children", ops.fire, user("police"), child, "notify")


# --- decisions ---------------------------------------------------------------------------


def test_reasonable_grounds_positive_starts_the_recovery_period(ctx, app):
    case = in_recovery()
    assert case.stage == Stage.RECOVERY
    assert case.rg_outcome == "positive"
    period = timedelta(days=app.config["RECOVERY_PERIOD_DAYS"])
    assert case.recovery_ends_on == case.rg_decided_at.date() + period


def test_reasonable_grounds_negative_closes(ctx):
    case = referred_case()
    ops.fire(user("coordinator"), case, "reasonable_grounds", "negative", "no indicator of means")
    assert (case.stage, case.closure_reason, case.closed_from) == (
        Stage.CLOSED,
        "negative_rg",
        None,
    )


@pytest.mark.parametrize("trigger", ["reasonable_grounds"])
def test_decisions_need_a_reason_and_an_outcome(ctx, trigger):
    case = referred_case()
    refused("reason_required", ops.fire, user("coordinator"), case, trigger, "positive", "  ")
    refused("outcome_required", ops.fire, user("coordinator"), case, trigger, "maybe", "why")
    assert case.stage == Stage.REFERRED


def test_decisions_are_for_coordinators(ctx):
    case = referred_case()
    for role in ("police", "auditor", "ngo"):
        with pytest.raises((NotAllowed, ops.CaseNotFound)):
            ops.fire(user(role), case, "reasonable_grounds", "positive", "x")


def test_conclusive_grounds_is_refused_while_the_recovery_period_runs(ctx):
    case = in_recovery()
    refused(
        "recovery_period_running",
        ops.fire,
        user("coordinator"),
        case,
        "conclusive_grounds",
        "positive",
        "early",
    )
    end_recovery_period(case)
    ops.fire(user("coordinator"), case, "conclusive_grounds", "positive", "now")
    assert case.stage == Stage.REHABILITATION


def test_conclusive_grounds_negative_closes(ctx):
    case = in_recovery()
    end_recovery_period(case)
    ops.fire(user("coordinator"), case, "conclusive_grounds", "negative", "not on balance")
    assert (case.stage, case.closure_reason) == (Stage.CLOSED, "negative_cg")


def test_trigger_not_possible_from_this_stage(ctx):
    case = new_case()
    with pytest.raises(ops.TransitionNotAllowed):
        ops.fire(user("coordinator"), case, "reasonable_grounds", "positive", "x")
    with pytest.raises(ops.TransitionNotAllowed):
        ops.fire(user("coordinator"), case, "close", reason="reintegrated")


# --- reconsider, withdraw, close, reopen ------------------------------------------------


def test_reconsider_after_negative_rg_returns_to_referred(ctx):
    case = referred_case()
    ops.fire(user("coordinator"), case, "reasonable_grounds", "negative", "weak")
    refused("reason_required", ops.fire, user("police"), case, "reconsider", reason="")
    ops.fire(user("police"), case, "reconsider", reason="new evidence from the shelter")
    assert case.stage == Stage.REFERRED
    assert case.rg_outcome is None and case.closure_reason is None


def test_reconsider_after_negative_cg_returns_to_recovery(ctx):
    case = in_recovery()
    end_recovery_period(case)
    ops.fire(user("coordinator"), case, "conclusive_grounds", "negative", "weak")
    ops.fire(user("coordinator"), case, "reconsider", reason="new evidence")
    assert case.stage == Stage.RECOVERY


def test_reconsider_only_after_a_negative_decision_and_reopen_never_after_one(ctx):
    closed = in_recovery()
    ops.fire(user("coordinator"), closed, "close", reason="reintegrated")
    refused("no_negative_decision", ops.fire, user("coordinator"), closed, "reconsider", reason="x")
    negative = referred_case()
    ops.fire(user("coordinator"), negative, "reasonable_grounds", "negative", "weak")
    refused("reconsider_instead", ops.fire, user("coordinator"), negative, "reopen", reason="x")


def test_withdrawing_consent_closes_the_case(ctx):
    case = in_recovery()
    ops.fire(user("police"), case, "withdraw_consent")
    assert (case.stage, case.closure_reason, case.consent_status) == (
        Stage.CLOSED,
        "consent_withdrawn",
        "withdrawn",
    )
    assert case.closed_from == Stage.RECOVERY


def test_recording_withdrawn_consent_fires_the_transition(ctx):
    case = referred_case()
    ops.record_consent(user("police"), case, "withdrawn", False)
    assert case.stage == Stage.CLOSED
    assert case.stage_changes[-1].trigger == "withdraw_consent"


def test_a_child_cannot_withdraw_consent(ctx):
    case = referred_case(**CHILD)
    refused("not_for_children", ops.fire, user("coordinator"), case, "withdraw_consent")


def test_close_needs_a_listed_reason_then_reopen_returns_to_the_stage(ctx):
    case = in_rehabilitation()
    refused("reason_required", ops.fire, user("coordinator"), case, "close", reason="bored")
    ops.fire(user("coordinator"), case, "close", reason="reintegrated")
    assert (case.stage, case.closed_from) == (Stage.CLOSED, Stage.REHABILITATION)
    refused("reason_required", ops.fire, user("coordinator"), case, "reopen", reason="")
    ops.fire(user("coordinator"), case, "reopen", reason="relapse into exploitation")
    assert case.stage == Stage.REHABILITATION
    assert case.closure_reason is None


def test_every_transition_leaves_a_stage_change(ctx):
    case = in_rehabilitation()
    ops.fire(user("coordinator"), case, "close", reason="returned")
    history = [(c.trigger, c.from_stage, c.to_stage) for c in case.stage_changes]
    assert history == [
        ("refer", Stage.IDENTIFIED, Stage.REFERRED),
        ("reasonable_grounds", Stage.REFERRED, Stage.RECOVERY),
        ("conclusive_grounds", Stage.RECOVERY, Stage.REHABILITATION),
        ("close", Stage.REHABILITATION, Stage.CLOSED),
    ]
    assert case.stage_changes[-1].reason == "returned"


def test_a_decision_reason_is_screened(ctx):
    case = referred_case()
    with pytest.raises(InvalidInput):
        ops.fire(user("coordinator"), case, "reasonable_grounds", "positive", "DOB 12.03.1990")
    assert case.stage == Stage.REFERRED


def test_stale_version_is_a_conflict(ctx):
    case = referred_case()
    with pytest.raises(Conflict):
        ops.fire(user("coordinator"), case, "reasonable_grounds", "positive", "x", case.version - 1)


# --- consent -------------------------------------------------------------------------------


def test_consent_rules_for_children_and_adults(ctx):
    adult, child = new_case(), new_case(**CHILD)
    with pytest.raises(InvalidInput):
        ops.record_consent(user("police"), adult, "not_required", False)
    with pytest.raises(InvalidInput):
        ops.record_consent(user("police"), child, "given", False)


def test_sharing_with_law_enforcement_needs_consent_given(ctx):
    case = new_case(role="ngo")
    ops.record_consent(user("ngo"), case, "refused", True)
    assert case.share_with_law_enforcement is False
    ops.record_consent(user("ngo"), case, "given", True)
    assert case.share_with_law_enforcement is True


def test_full_journey_with_history(ctx):
    case = in_rehabilitation()
    ops.fire(user("coordinator"), case, "close", reason="reintegrated")
    db.session.commit()
    assert db.session.scalar(select(func.count(StageChange.id))) == 4
