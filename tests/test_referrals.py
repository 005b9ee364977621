"""Service referrals, case owners, notifications and each partner's inbox: the rules at the
operation level, then the pages as coordinators and providers use them."""

import re
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from referral.admin.operations import UserData, create_user, find_organisation
from referral.audit.models import AuditEntry
from referral.auth.models import User
from referral.cases import operations as ops
from referral.cases import policy
from referral.cases.models import Case
from referral.core.deadlines import add_working_days
from referral.core.demo import DEMO_PASSWORD
from referral.core.exceptions import Conflict, InvalidInput, NotAllowed
from referral.core.types import utcnow
from referral.extensions import db
from referral.organisations.models import Organisation
from referral.permissions import Role
from referral.referrals import operations as rops
from referral.referrals.inbox import work_counts, work_for
from referral.referrals.models import Notification, ServiceReferral
from tests.conftest import ROLE_EMAILS, login, post_form
from workflows.nrm import Stage
from workflows.service_referral import ReferralStatus

ADULT = dict(
    age_band="30-38", gender="male", citizenship="MD", exploitation_types=["forced_labour"]
)

SAFE_HARBOUR = "Safe Harbour"  # ngo: shelter, psychological, interpretation, return
HOSPITAL = "City Hospital No. 1"  # health: medical, psychological
POLICE = "Central District Police"  # police: investigation
LEGAL_AID = "Legal Aid Centre"  # ngo: legal, no demo user
SOCIAL = "Municipal Social Services"  # financial, employment, education
NRM_OFFICE = "National NRM Office"  # the coordinators' organisation

# The demo user who answers for each provider.
ANSWERS_FOR = {SAFE_HARBOUR: "ngo", HOSPITAL: "health", POLICE: "police"}

PENDING = ReferralStatus.PENDING
ACCEPTED = ReferralStatus.ACCEPTED
COMPLETED = ReferralStatus.COMPLETED
DECLINED = ReferralStatus.DECLINED
CANCELLED = ReferralStatus.CANCELLED

IDENTIFYING_TEXT = [
    "phone +7 912 345-67-89",
    "her email is anna.k@mail.example",
    "passport AB1234567 held by the employer",
]


@pytest.fixture
def ctx(app, demo):
    with app.test_request_context():
        yield


# --- helpers ---------------------------------------------------------------------------------


def user(role: str) -> User:
    return db.session.scalar(select(User).where(User.email == ROLE_EMAILS[role]))


def org(name: str) -> Organisation:
    organisation = find_organisation(name)
    assert organisation is not None, name
    return organisation


def make_user(email: str, role: Role, organisation: str) -> User:
    return create_user(UserData(email, role, org(organisation).id, "en"), DEMO_PASSWORD)


def new_case(role: str = "police") -> Case:
    return ops.create_case(user(role), ops.CaseInput(**ADULT))


def referred_case(role: str = "police") -> Case:
    case = new_case(role)
    ops.log_indicator(user(role), case, "CD-01")
    ops.record_consent(user(role), case, "given", False)
    ops.fire(user(role), case, "refer")
    return case


def recovery_case(role: str = "police") -> Case:
    case = referred_case(role)
    ops.fire(user("coordinator"), case, "reasonable_grounds", "positive", "credible account")
    return case


def rehabilitation_case(role: str = "police") -> Case:
    case = recovery_case(role)
    case.recovery_ends_on = utcnow().date() - timedelta(days=1)
    ops.fire(user("coordinator"), case, "conclusive_grounds", "positive", "on balance")
    return case


def refer(
    case: Case, service: str = "shelter", provider: str = SAFE_HARBOUR, **kwargs
) -> ServiceReferral:
    return rops.create_referral(user("coordinator"), case, org(provider).id, service, **kwargs)


def answerer(referral: ServiceReferral) -> User:
    return user(ANSWERS_FOR[referral.organisation.name])


def move_to(referral: ServiceReferral, status: ReferralStatus) -> ServiceReferral:
    """Take a pending referral to `status` by the allowed moves."""
    if status in (ACCEPTED, COMPLETED):
        rops.act(answerer(referral), referral, "accept")
    if status == COMPLETED:
        rops.act(answerer(referral), referral, "complete", outcome="delivered")
    if status == DECLINED:
        rops.act(answerer(referral), referral, "decline", reason="no room for men this month")
    if status == CANCELLED:
        rops.act(user("coordinator"), referral, "cancel", reason="moved to another region")
    assert referral.status == status
    return referral


def referral_in(status: ReferralStatus) -> ServiceReferral:
    return move_to(refer(recovery_case()), status)


def visible_references(role_or_user) -> set[str]:
    who = user(role_or_user) if isinstance(role_or_user, str) else role_or_user
    items, _ = ops.find_cases(who, ops.CaseFilters())
    return {c.reference for c in items}


def items_of(who: User, kind: str):
    return [i for i in work_for(who) if i.kind == kind]


def notifications(kind: str) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification).where(Notification.kind == kind).order_by(Notification.id)
        )
    )


def audit_count(action: str) -> int:
    return db.session.scalar(select(func.count()).where(AuditEntry.action == action)) or 0


def refused(code: str, call, *args, **kwargs):
    with pytest.raises(ops.GuardRefused) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code
    return caught.value


# --- the referral's state machine --------------------------------------------------------------


def test_pending_referral_is_accepted_then_completed(ctx):
    referral = refer(recovery_case())
    assert (referral.status, referral.answered_at, referral.completed_at) == (PENDING, None, None)
    version = referral.version

    rops.act(user("ngo"), referral, "accept", version=version)
    assert referral.status == ACCEPTED
    assert referral.answered_by_id == user("ngo").id and referral.answered_at is not None
    assert referral.version == version + 1

    rops.act(user("ngo"), referral, "complete", outcome="partially", note="four weeks of stay")
    assert referral.status == COMPLETED
    assert (referral.outcome, referral.outcome_note) == ("partially", "four weeks of stay")
    assert referral.completed_at is not None
    assert not referral.is_open


def test_pending_referral_is_declined_with_its_reason(ctx):
    referral = refer(recovery_case())
    rops.act(user("ngo"), referral, "decline", reason="  no room for men this month ")
    assert referral.status == DECLINED
    assert referral.decline_reason == "no room for men this month"
    assert referral.answered_by_id == user("ngo").id


@pytest.mark.parametrize("start", [PENDING, ACCEPTED])
def test_coordinator_cancels_an_open_referral_with_a_reason(ctx, start):
    referral = referral_in(start)
    rops.act(user("coordinator"), referral, "cancel", reason="the person moved away")
    assert referral.status == CANCELLED
    assert referral.cancel_reason == "the person moved away"
    assert referral.cancelled_at is not None


@pytest.mark.parametrize(
    ("start", "action", "actor", "kwargs"),
    [
        (PENDING, "complete", "ngo", {"outcome": "delivered"}),
        (DECLINED, "accept", "ngo", {}),
        (CANCELLED, "accept", "ngo", {}),
        (COMPLETED, "accept", "ngo", {}),
        (ACCEPTED, "accept", "ngo", {}),
        (ACCEPTED, "decline", "ngo", {"reason": "changed our mind"}),
        (COMPLETED, "complete", "ngo", {"outcome": "delivered"}),
        (COMPLETED, "cancel", "coordinator", {"reason": "not needed"}),
        (DECLINED, "cancel", "coordinator", {"reason": "not needed"}),
        (CANCELLED, "cancel", "coordinator", {"reason": "not needed"}),
    ],
)
def test_moves_the_referral_machine_does_not_allow_are_refused(ctx, start, action, actor, kwargs):
    referral = referral_in(start)
    version = referral.version
    with pytest.raises(ops.TransitionNotAllowed):
        rops.act(user(actor), referral, action, **kwargs)
    assert (referral.status, referral.version) == (start, version)


@pytest.mark.parametrize(
    ("start", "action", "actor", "kwargs", "code"),
    [
        (PENDING, "decline", "ngo", {}, "reason_required"),
        (PENDING, "decline", "ngo", {"reason": "   "}, "reason_required"),
        (PENDING, "cancel", "coordinator", {"reason": ""}, "reason_required"),
        (ACCEPTED, "cancel", "coordinator", {}, "reason_required"),
        (ACCEPTED, "complete", "ngo", {}, "outcome_required"),
        (ACCEPTED, "complete", "ngo", {"outcome": "maybe"}, "outcome_required"),
        (ACCEPTED, "complete", "ngo", {"outcome": "positive"}, "outcome_required"),
    ],
)
def test_decline_and_cancel_need_a_reason_and_completion_an_outcome(
    ctx, start, action, actor, kwargs, code
):
    referral = referral_in(start)
    refused(code, rops.act, user(actor), referral, action, **kwargs)
    assert referral.status == start


def test_answering_from_a_stale_page_is_a_conflict(ctx):
    referral = refer(recovery_case())
    with pytest.raises(Conflict):
        rops.act(user("ngo"), referral, "accept", version=referral.version - 1)
    assert referral.status == PENDING


# --- who --------------------------------------------------------------------------------------


def test_only_users_of_the_provider_organisation_answer(ctx):
    referral = refer(recovery_case())
    outsiders = [
        user("health"),
        user("police"),  # identifies the case, but is not the provider
        user("partner"),
        user("coordinator"),
        user("auditor"),
        make_user("auditor@harbour.example.org", Role.AUDITOR, SAFE_HARBOUR),
        make_user("admin@harbour.example.org", Role.ADMIN, SAFE_HARBOUR),
    ]
    for outsider in outsiders:
        for action, kwargs in (("accept", {}), ("decline", {"reason": "full"})):
            with pytest.raises(NotAllowed):
                rops.act(outsider, referral, action, **kwargs)
    assert referral.status == PENDING

    colleague = make_user("second@harbour.example.org", Role.NGO, SAFE_HARBOUR)
    rops.act(colleague, referral, "accept")  # any user of the provider organisation
    for outsider in outsiders:
        with pytest.raises(NotAllowed):
            rops.act(outsider, referral, "complete", outcome="delivered")
    rops.act(user("ngo"), referral, "complete", outcome="delivered")
    assert referral.status == COMPLETED


def test_only_coordinators_refer_and_cancel(ctx):
    case = recovery_case()
    for role in ("police", "ngo", "health", "partner", "auditor", "admin"):
        with pytest.raises(NotAllowed):
            rops.create_referral(user(role), case, org(SAFE_HARBOUR).id, "shelter")
    assert db.session.scalar(select(func.count(ServiceReferral.id))) == 0

    referral = refer(case)
    for role in ("ngo", "police", "auditor", "admin"):
        with pytest.raises(NotAllowed):
            rops.act(user(role), referral, "cancel", reason="not needed")
    assert referral.status == PENDING
    rops.act(user("coordinator"), referral, "cancel", reason="not needed")
    assert referral.status == CANCELLED


def test_who_may_open_a_referral(ctx):
    referral = refer(recovery_case())
    for role in ("ngo", "coordinator", "auditor"):
        assert rops.get_referral(user(role), referral.id) is referral
    # Not the identifying organisation, nor another provider: a referral is between the
    # coordinator and the provider it is addressed to.
    for role in ("police", "health", "partner"):
        with pytest.raises(NotAllowed):
            rops.get_referral(user(role), referral.id)
    with pytest.raises(rops.ReferralNotFound):
        rops.get_referral(user("admin"), referral.id)
    with pytest.raises(rops.ReferralNotFound):
        rops.get_referral(user("coordinator"), referral.id + 1000)


# --- when ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("make_case", [recovery_case, rehabilitation_case])
def test_any_service_is_arranged_in_recovery_and_rehabilitation(ctx, make_case):
    case = make_case()
    for service, provider in [
        ("shelter", SAFE_HARBOUR),
        ("psychological", HOSPITAL),
        ("legal", LEGAL_AID),
        ("employment", SOCIAL),
        ("interpretation", SAFE_HARBOUR),
    ]:
        assert refer(case, service, provider).status == PENDING


def test_before_reasonable_grounds_only_urgent_shelter_or_medical_care(ctx):
    case = referred_case()
    assert refer(case, "shelter", SAFE_HARBOUR).status == PENDING
    assert refer(case, "medical", HOSPITAL).status == PENDING
    for service, provider in [
        ("psychological", HOSPITAL),
        ("legal", LEGAL_AID),
        ("interpretation", SAFE_HARBOUR),
        ("financial", SOCIAL),
    ]:
        refused("stage_not_allowed", refer, case, service, provider)


def _identified() -> Case:
    return new_case()


def _notified() -> Case:
    case = new_case()
    ops.log_indicator(user("police"), case, "DR-01")
    ops.record_consent(user("police"), case, "refused", False)
    ops.fire(user("police"), case, "notify")
    return case


def _closed() -> Case:
    case = recovery_case()
    ops.fire(user("coordinator"), case, "close", reason="reintegrated")
    return case


def _closed_by_negative_rg() -> Case:
    case = referred_case()
    ops.fire(user("coordinator"), case, "reasonable_grounds", "negative", "no indicator of means")
    return case


@pytest.mark.parametrize("make_case", [_identified, _notified, _closed, _closed_by_negative_rg])
def test_no_referral_before_the_case_is_referred_or_after_it_closed(ctx, make_case):
    case = make_case()
    for service, provider in [("shelter", SAFE_HARBOUR), ("medical", HOSPITAL)]:
        refused("stage_not_allowed", refer, case, service, provider)
    assert db.session.scalar(select(func.count(ServiceReferral.id))) == 0


# --- what the provider sees ----------------------------------------------------------------------


def test_provider_sees_the_case_from_the_pending_referral_through_completion(ctx):
    case = recovery_case()
    ngo = user("ngo")
    assert not policy.can_view(ngo, case)
    assert case.reference not in visible_references(ngo)

    referral = refer(case)
    assert policy.can_view(ngo, case)
    assert case.reference in visible_references(ngo)
    assert ops.get_visible_case(ngo, case.reference) is case

    move_to(referral, ACCEPTED)
    assert policy.can_view(ngo, case) and case.reference in visible_references(ngo)
    rops.act(ngo, referral, "complete", outcome="delivered")
    assert policy.can_view(ngo, case) and case.reference in visible_references(ngo)
    # Only the provider organisation: another partner still sees nothing.
    assert not policy.can_view(user("health"), case)
    assert case.reference not in visible_references("health")


@pytest.mark.parametrize("end", [DECLINED, CANCELLED])
def test_provider_visibility_ends_when_the_referral_is_declined_or_cancelled(ctx, end):
    case = recovery_case()
    referral = refer(case)
    assert policy.can_view(user("ngo"), case)
    if end == CANCELLED:
        move_to(referral, ACCEPTED)
    rops.act(
        user("ngo") if end == DECLINED else user("coordinator"),
        referral,
        "decline" if end == DECLINED else "cancel",
        reason="not suitable",
    )
    assert referral.status == end
    assert not policy.can_view(user("ngo"), case)
    assert case.reference not in visible_references("ngo")
    with pytest.raises(ops.CaseNotFound):
        ops.get_visible_case(user("ngo"), case.reference)


def test_investigation_by_the_police_needs_the_persons_agreement_to_share(ctx):
    case = recovery_case("ngo")
    assert not case.share_with_law_enforcement
    with pytest.raises(InvalidInput) as caught:
        refer(case, "investigation", POLICE)
    assert caught.value.code == "consent_scope"
    assert rops.providers_for(case, "investigation") == []
    assert not policy.can_view(user("police"), case)

    ops.record_consent(user("coordinator"), case, "given", True)
    assert [p.organisation.name for p in rops.providers_for(case, "investigation")] == [POLICE]
    referral = refer(case, "investigation", POLICE)
    assert policy.can_view(user("police"), case)
    rops.act(user("police"), referral, "accept")
    assert referral.status == ACCEPTED


def test_withdrawing_the_agreement_to_share_ends_law_enforcements_referral_at_once(ctx):
    case = recovery_case("ngo")
    ops.record_consent(user("coordinator"), case, "given", True)
    police_referral = move_to(refer(case, "investigation", POLICE), ACCEPTED)
    shelter = move_to(refer(case, "shelter", SAFE_HARBOUR), ACCEPTED)
    ops.record_consent(user("ngo"), case, "given", False)
    assert police_referral.status == CANCELLED
    assert police_referral.cancel_reason == "consent_scope"
    assert shelter.status == ACCEPTED
    assert not policy.can_view(user("police"), case)
    with pytest.raises(NotAllowed):
        rops.get_referral(user("police"), police_referral.id)
    assert items_of(user("police"), "service_in_progress") == []


def test_administrators_get_no_notices_about_cases(ctx):
    # The answer is announced to the NRM office: the administrator's organisation too.
    move_to(refer(recovery_case()), ACCEPTED)
    assert [n.kind for n in rops.unread_notifications(user("coordinator"))] == ["referral.accept"]
    assert rops.unread_notifications(user("admin")) == []


def test_police_never_sees_an_ngo_case_through_a_referral_to_another_organisation(ctx):
    case = recovery_case("ngo")
    referral = move_to(refer(case, "medical", HOSPITAL), ACCEPTED)
    police = user("police")
    assert policy.can_view(user("health"), case)
    assert not policy.can_view(police, case)
    assert case.reference not in visible_references(police)
    with pytest.raises(NotAllowed):
        rops.get_referral(police, referral.id)
    # Even once the person agrees to share with law enforcement: the referral is not the
    # police's, so it gives them nothing.
    ops.record_consent(user("coordinator"), case, "given", True)
    assert not policy.can_view(police, case)
    assert case.reference not in visible_references(police)


# --- which organisation, which service -----------------------------------------------------------


def test_organisation_must_offer_the_service(ctx):
    case = recovery_case()
    for service, provider in [("legal", SAFE_HARBOUR), ("shelter", HOSPITAL), ("medical", SOCIAL)]:
        with pytest.raises(InvalidInput) as caught:
            refer(case, service, provider)
        assert caught.value.code == "service_not_offered"
        assert caught.value.field == "organisation_id"


def test_unknown_or_inactive_organisation_or_service_is_refused(ctx):
    case = recovery_case()
    coordinator = user("coordinator")
    for organisation_id in (None, 0, 10**6):
        with pytest.raises(InvalidInput) as caught:
            rops.create_referral(coordinator, case, organisation_id, "legal")
        assert caught.value.code == "unknown_organisation"
    org(LEGAL_AID).active = False
    with pytest.raises(InvalidInput) as caught:
        refer(case, "legal", LEGAL_AID)
    assert caught.value.code == "unknown_organisation"
    assert rops.providers_for(case, "legal") == []  # an inactive provider is not offered
    with pytest.raises(InvalidInput) as caught:
        refer(case, "massage", SAFE_HARBOUR)
    assert caught.value.code == "unknown_service"
    assert db.session.scalar(select(func.count(ServiceReferral.id))) == 0


# --- screened free text ----------------------------------------------------------------------


@pytest.mark.parametrize("text", IDENTIFYING_TEXT)
def test_identifying_note_on_a_new_referral_is_refused_and_nothing_stored(ctx, text):
    case = recovery_case()
    db.session.commit()
    with pytest.raises(InvalidInput) as caught:
        refer(case, note=text)
    assert caught.value.code == "identifying_data"
    assert "Remove personal identifiers" in caught.value.fields["note"]
    assert not [o for o in db.session.new if isinstance(o, ServiceReferral | Notification)]
    db.session.rollback()
    assert db.session.scalar(select(func.count(ServiceReferral.id))) == 0
    assert notifications("referral.new") == []
    assert audit_count("referral.created") == 0


@pytest.mark.parametrize("text", IDENTIFYING_TEXT)
@pytest.mark.parametrize(
    ("start", "action", "actor", "field", "kwargs"),
    [
        (PENDING, "decline", "ngo", "reason", {}),
        (ACCEPTED, "complete", "ngo", "note", {"outcome": "delivered"}),
        (PENDING, "cancel", "coordinator", "reason", {}),
    ],
)
def test_identifying_answer_is_refused_and_nothing_stored(
    ctx, text, start, action, actor, field, kwargs
):
    referral = referral_in(start)
    db.session.commit()
    with pytest.raises(InvalidInput) as caught:
        rops.act(user(actor), referral, action, **{field: text}, **kwargs)
    assert caught.value.code == "identifying_data"
    assert field in caught.value.fields
    assert referral.status == start
    assert (referral.decline_reason, referral.outcome_note, referral.cancel_reason) == (
        None,
        None,
        None,
    )
    db.session.rollback()
    stored = db.session.get(ServiceReferral, referral.id)
    assert stored.status == start
    assert audit_count(f"referral.{rops.PAST_TENSE[action]}") == 0
    assert notifications(f"referral.{action}") == []


# --- closing the case -----------------------------------------------------------------------


def test_closing_the_case_cancels_its_open_referrals_only(ctx):
    case = rehabilitation_case()
    pending = refer(case, "shelter", SAFE_HARBOUR)
    accepted = move_to(refer(case, "psychological", HOSPITAL), ACCEPTED)
    completed = move_to(refer(case, "medical", HOSPITAL), COMPLETED)
    declined = move_to(refer(case, "interpretation", SAFE_HARBOUR), DECLINED)

    ops.fire(user("coordinator"), case, "close", reason="reintegrated")

    assert (pending.status, accepted.status) == (CANCELLED, CANCELLED)
    assert pending.cancel_reason == accepted.cancel_reason == "reintegrated"
    assert (completed.status, declined.status) == (COMPLETED, DECLINED)
    assert completed.cancelled_at is None
    assert audit_count("referral.cancelled") == 2
    cancelled_for = sorted(n.organisation_id for n in notifications("referral.cancel"))
    assert cancelled_for == sorted([org(SAFE_HARBOUR).id, org(HOSPITAL).id])
    # Safe Harbour's referrals were cancelled and declined: it no longer sees the case; the
    # hospital keeps read access to what it delivered.
    assert not policy.can_view(user("ngo"), case)
    assert policy.can_view(user("health"), case)


def test_withdrawing_consent_cancels_the_open_referrals_and_frees_the_place(ctx):
    rops.set_capacity(org(SAFE_HARBOUR), "shelter", 1)
    case = recovery_case()
    referral = move_to(refer(case), ACCEPTED)
    assert rops.places_taken(org(SAFE_HARBOUR).id, "shelter") == 1

    ops.fire(user("police"), case, "withdraw_consent")

    assert case.stage == Stage.CLOSED
    assert (referral.status, referral.cancel_reason) == (CANCELLED, "consent_withdrawn")
    assert rops.places_taken(org(SAFE_HARBOUR).id, "shelter") == 0
    assert not policy.can_view(user("ngo"), case)


# --- capacity ---------------------------------------------------------------------------------


def _free(case: Case, service: str, provider: str) -> int | None:
    choice = next(p for p in rops.providers_for(case, service) if p.organisation.name == provider)
    return choice.free


def test_accepting_takes_a_place_and_completing_frees_it(ctx):
    harbour = org(SAFE_HARBOUR)
    first, second = refer(recovery_case()), refer(recovery_case())
    assert _free(first.case, "shelter", SAFE_HARBOUR) is None  # no capacity stated: no limit
    rops.set_capacity(harbour, "shelter", 1)
    assert _free(first.case, "shelter", SAFE_HARBOUR) == 1

    rops.act(user("ngo"), first, "accept")
    assert rops.places_taken(harbour.id, "shelter") == 1
    assert _free(second.case, "shelter", SAFE_HARBOUR) == 0
    with pytest.raises(rops.CapacityExhausted) as caught:
        rops.act(user("ngo"), second, "accept")
    assert caught.value.status == 409
    assert "No free places" in caught.value.message
    assert second.status == PENDING
    # Other services of the same provider are not limited by the shelter's places.
    assert move_to(refer(second.case, "psychological", SAFE_HARBOUR), ACCEPTED)

    rops.act(user("ngo"), first, "complete", outcome="delivered")
    assert _free(second.case, "shelter", SAFE_HARBOUR) == 1
    rops.act(user("ngo"), second, "accept")
    assert rops.places_taken(harbour.id, "shelter") == 1


def test_cancelling_an_accepted_referral_frees_its_place(ctx):
    rops.set_capacity(org(SAFE_HARBOUR), "shelter", 1)
    first, second = refer(recovery_case()), refer(recovery_case())
    move_to(first, ACCEPTED)
    rops.act(user("coordinator"), first, "cancel", reason="the person moved away")
    rops.act(user("ngo"), second, "accept")
    assert second.status == ACCEPTED


def test_capacity_is_only_for_offered_services_and_never_negative(ctx):
    harbour = org(SAFE_HARBOUR)
    with pytest.raises(InvalidInput):
        rops.set_capacity(harbour, "legal", 3)
    with pytest.raises(InvalidInput):
        rops.set_capacity(harbour, "shelter", -1)
    rops.set_capacity(harbour, "shelter", 4)
    rops.set_capacity(harbour, "shelter", None)
    assert audit_count("organisation.capacity_set") == 2


def _client(app, email):
    client = app.test_client()
    response = login(client, email)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def _version(html: str) -> str:
    return re.search(r'name="version" value="(\d+)"', html).group(1)


def _token(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def test_two_shelter_workers_accepting_the_last_place_at_once_one_is_told_it_is_full(app, demo):
    with app.test_request_context():
        harbour = org(SAFE_HARBOUR)
        rops.set_capacity(harbour, "shelter", 1)
        referral_ids = [refer(recovery_case()).id, refer(recovery_case()).id]
        make_user("second@harbour.example.org", Role.NGO, SAFE_HARBOUR)
        db.session.commit()
        harbour_id = harbour.id
    clients = [
        _client(app, ROLE_EMAILS["ngo"]),
        _client(app, "second@harbour.example.org"),
    ]
    forms = []
    for client, referral_id in zip(clients, referral_ids, strict=True):
        html = client.get(f"/referrals/{referral_id}").get_data(as_text=True)
        forms.append((referral_id, _token(html), _version(html)))
    barrier = threading.Barrier(len(clients))
    results = []

    def accept(client, referral_id, token, version):
        barrier.wait()
        response = client.post(
            f"/referrals/{referral_id}/accept", data={"csrf_token": token, "version": version}
        )
        results.append((response.status_code, response.get_data(as_text=True)))

    threads = [
        threading.Thread(target=accept, args=(client, *form))
        for client, form in zip(clients, forms, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(status for status, _ in results) == [302, 409]
    refused_body = next(body for status, body in results if status == 409)
    assert "No free places" in refused_body
    with app.app_context():
        assert rops.places_taken(harbour_id, "shelter") == 1
        statuses = sorted(db.session.get(ServiceReferral, rid).status.value for rid in referral_ids)
        assert statuses == ["accepted", "pending"]


# --- deadlines -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (date(2026, 11, 27), 1, date(2026, 11, 30)),  # Friday → Monday
        (date(2026, 11, 29), 1, date(2026, 11, 30)),  # Sunday → Monday
        (date(2026, 11, 28), 5, date(2026, 12, 4)),  # Saturday → Friday, into December
        (date(2026, 3, 4), 10, date(2026, 3, 18)),  # two whole weeks
        (date(2026, 3, 4), 0, date(2026, 3, 4)),
        (date(2026, 1, 30), 1, date(2026, 2, 2)),  # end of January on a Friday
        (date(2026, 2, 27), 2, date(2026, 3, 3)),  # end of February
        (date(2028, 2, 28), 1, date(2028, 2, 29)),  # leap day is a working day
        (date(2026, 12, 31), 1, date(2027, 1, 1)),  # no holidays: New Year's Day counts
        (date(2027, 12, 31), 1, date(2028, 1, 3)),  # Friday, 31 December → Monday
        (date(2026, 12, 24), 5, date(2026, 12, 31)),  # over Christmas week
    ],
)
def test_working_days_skip_weekends_across_month_and_year_ends(start, days, expected):
    assert add_working_days(start, days) == expected


def _at(monkeypatch, moment: datetime) -> None:
    monkeypatch.setattr(ops, "utcnow", lambda: moment)


def test_reasonable_grounds_due_date_of_a_friday_referral_is_the_next_friday(ctx, monkeypatch):
    case = new_case()
    ops.log_indicator(user("police"), case, "CD-01")
    ops.record_consent(user("police"), case, "given", False)
    _at(monkeypatch, datetime(2026, 11, 27, 16, 30, tzinfo=UTC))  # a Friday afternoon
    ops.fire(user("police"), case, "refer")
    assert case.rg_due_on == date(2026, 12, 4)


@pytest.mark.parametrize(("days", "ends"), [(30, date(2027, 1, 6)), (45, date(2027, 1, 21))])
def test_recovery_period_runs_from_the_reasonable_grounds_decision(
    ctx, app, monkeypatch, days, ends
):
    app.config["RECOVERY_PERIOD_DAYS"] = days
    case = referred_case()
    _at(monkeypatch, datetime(2026, 12, 7, 23, 50, tzinfo=UTC))
    ops.fire(user("coordinator"), case, "reasonable_grounds", "positive", "credible account")
    assert case.rg_decided_at.date() == date(2026, 12, 7)
    assert case.recovery_ends_on == case.rg_decided_at.date() + timedelta(days=days) == ends


@pytest.mark.parametrize("hours", [48, 24])
def test_answer_is_due_response_hours_after_the_referral_by_default(ctx, app, hours):
    app.config["REFERRAL_RESPONSE_HOURS"] = hours
    referral = refer(recovery_case())
    assert referral.respond_by == referral.created_at + timedelta(hours=hours)
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(ServiceReferral, referral.id)
    assert stored.respond_by - stored.created_at == timedelta(hours=hours)


def test_a_chosen_answer_date_is_kept_unless_it_is_past(ctx):
    case = recovery_case()
    wanted = utcnow() + timedelta(days=3)
    assert refer(case, respond_by=wanted).respond_by == wanted
    with pytest.raises(InvalidInput) as caught:
        refer(case, "psychological", HOSPITAL, respond_by=utcnow() - timedelta(minutes=1))
    assert caught.value.field == "respond_by"


# --- each role's inbox -----------------------------------------------------------------------


def test_frontline_inbox_lists_its_own_organisations_drafts(ctx):
    identified, notified = _identified(), _notified()
    referred_case()
    ngo_draft = new_case("ngo")
    drafts = items_of(user("police"), "draft")
    assert {i.case_reference for i in drafts} == {identified.reference, notified.reference}
    assert all(not i.overdue and i.due is None for i in drafts)
    assert [i.case_reference for i in items_of(user("ngo"), "draft")] == [ngo_draft.reference]
    assert work_for(user("health")) == []


def test_coordinator_inbox_lists_reasonable_grounds_decisions_with_due_dates(ctx):
    on_time, late = referred_case(), referred_case()
    late.rg_due_on = utcnow().date() - timedelta(days=1)
    new_case()  # a draft is not the coordinator's work
    by_case = {i.case_reference: i for i in items_of(user("coordinator"), "rg_decision")}
    assert set(by_case) == {on_time.reference, late.reference}
    assert (by_case[on_time.reference].due, by_case[on_time.reference].overdue) == (
        on_time.rg_due_on,
        False,
    )
    assert (by_case[late.reference].due, by_case[late.reference].overdue) == (
        late.rg_due_on,
        True,
    )
    first = work_for(user("coordinator"))[0]
    assert (first.kind, first.case_reference, first.overdue) == (
        "rg_decision",
        late.reference,
        True,
    )


def test_coordinator_inbox_lists_conclusive_grounds_due_once_the_recovery_period_ended(ctx):
    today = utcnow().date()
    running, ends_today, ended = recovery_case(), recovery_case(), recovery_case()
    ends_today.recovery_ends_on = today
    ended.recovery_ends_on = today - timedelta(days=2)
    by_case = {i.case_reference: i for i in items_of(user("coordinator"), "cg_decision")}
    assert set(by_case) == {ends_today.reference, ended.reference}
    assert running.reference not in by_case
    assert (by_case[ends_today.reference].due, by_case[ends_today.reference].overdue) == (
        today,
        False,
    )
    assert by_case[ended.reference].overdue is True


def test_coordinator_inbox_lists_declined_referrals_until_rerouted(ctx):
    case = recovery_case()
    declined = move_to(refer(case, "psychological", SAFE_HARBOUR), DECLINED)
    [item] = items_of(user("coordinator"), "declined_referral")
    assert (item.referral_id, item.service, item.case_reference) == (
        declined.id,
        "psychological",
        case.reference,
    )
    assert item.due == declined.answered_at
    refer(case, "interpretation", SAFE_HARBOUR)  # another service: still to re-route
    assert [i.referral_id for i in items_of(user("coordinator"), "declined_referral")] == [
        declined.id
    ]
    refer(case, "psychological", HOSPITAL)  # re-routed to another provider
    assert items_of(user("coordinator"), "declined_referral") == []


@pytest.mark.parametrize("trigger", ["close", "withdraw_consent"])
def test_a_declined_referral_of_a_closed_case_is_nothing_to_reroute(ctx, trigger):
    case = recovery_case()
    move_to(refer(case, "psychological", SAFE_HARBOUR), DECLINED)
    assert len(items_of(user("coordinator"), "declined_referral")) == 1
    if trigger == "close":
        ops.fire(user("coordinator"), case, "close", reason="reintegrated")
    else:
        ops.fire(user("police"), case, "withdraw_consent")
    assert case.stage == Stage.CLOSED
    refused("stage_not_allowed", refer, case, "psychological", HOSPITAL)  # cannot be re-routed
    assert items_of(user("coordinator"), "declined_referral") == []


def test_coordinator_inbox_lists_open_cases_without_an_owner_until_one_is_assigned(ctx):
    referred, recovering, rehabilitating = referred_case(), recovery_case(), rehabilitation_case()
    _identified()
    _closed()
    unassigned = {i.case_reference for i in items_of(user("coordinator"), "unassigned")}
    assert unassigned == {referred.reference, recovering.reference, rehabilitating.reference}

    coordinator = user("coordinator")
    rops.assign_owner(coordinator, recovering, coordinator.id)
    assert recovering.owner is coordinator
    unassigned = {i.case_reference for i in items_of(coordinator, "unassigned")}
    assert unassigned == {referred.reference, rehabilitating.reference}


def test_only_coordinators_assign_and_only_an_active_coordinator_owns(ctx):
    case = referred_case()
    with pytest.raises(NotAllowed):
        rops.assign_owner(user("police"), case, user("coordinator").id)
    for owner_id in (user("ngo").id, user("admin").id, None, 10**6):
        with pytest.raises(InvalidInput) as caught:
            rops.assign_owner(user("coordinator"), case, owner_id)
        assert caught.value.code == "not_a_coordinator"
    assert case.owner_id is None


def test_provider_inbox_lists_referrals_to_answer_and_services_in_progress(ctx, app):
    to_answer = refer(recovery_case())
    in_progress = move_to(refer(recovery_case(), "psychological", SAFE_HARBOUR), ACCEPTED)
    move_to(refer(recovery_case(), "interpretation", SAFE_HARBOUR), COMPLETED)
    move_to(refer(recovery_case(), "return", SAFE_HARBOUR), DECLINED)
    refer(recovery_case(), "medical", HOSPITAL)  # another provider's

    ngo = user("ngo")
    [answer] = items_of(ngo, "referral_to_answer")
    assert (answer.referral_id, answer.due, answer.overdue) == (
        to_answer.id,
        to_answer.respond_by,
        False,
    )
    completion = timedelta(days=app.config["REFERRAL_COMPLETION_DAYS"])
    [service] = items_of(ngo, "service_in_progress")
    assert (service.referral_id, service.due, service.overdue) == (
        in_progress.id,
        in_progress.answered_at + completion,
        False,
    )
    assert len(work_for(ngo)) == 2

    to_answer.respond_by = utcnow() - timedelta(hours=1)
    in_progress.answered_at = utcnow() - completion - timedelta(days=1)
    # Overdue first, the longest overdue at the top.
    assert [(i.kind, i.overdue) for i in work_for(ngo)] == [
        ("service_in_progress", True),
        ("referral_to_answer", True),
    ]
    assert [i.service for i in items_of(user("health"), "referral_to_answer")] == ["medical"]


def test_auditors_and_admins_have_no_work_items(ctx):
    referral_in(PENDING)
    referral_in(DECLINED)
    referred_case()
    _identified()
    harbour_auditor = make_user("auditor@harbour.example.org", Role.AUDITOR, SAFE_HARBOUR)
    for who in (user("auditor"), user("admin"), harbour_auditor):
        assert work_for(who) == []


# --- notifications -----------------------------------------------------------------------------


def _unread_kinds(who: User) -> list[str]:
    return [n.kind for n in rops.unread_notifications(who)]


def test_a_new_referral_notifies_the_provider_organisation_only(ctx):
    referral = refer(recovery_case())
    [notice] = notifications("referral.new")
    assert notice.organisation_id == org(SAFE_HARBOUR).id
    assert (notice.referral_id, notice.case_reference) == (referral.id, referral.case.reference)
    assert notice.details == {"service": "shelter"}
    assert "referral.new" in _unread_kinds(user("ngo"))
    for role in ("health", "police", "coordinator", "partner"):
        assert "referral.new" not in _unread_kinds(user(role))


@pytest.mark.parametrize("end", [ACCEPTED, DECLINED, COMPLETED])
def test_the_providers_answer_notifies_the_coordinators_organisation(ctx, end):
    referral = move_to(refer(recovery_case()), end)
    kinds = {ACCEPTED: ["referral.accept"], DECLINED: ["referral.decline"]}.get(
        end, ["referral.accept", "referral.complete"]
    )
    for kind in kinds:
        [notice] = notifications(kind)
        assert notice.organisation_id == org(NRM_OFFICE).id == user("coordinator").organisation_id
        assert notice.referral_id == referral.id
        assert kind in _unread_kinds(user("coordinator"))
        assert kind not in _unread_kinds(user("ngo"))


def test_a_cancellation_notifies_the_provider(ctx):
    referral = move_to(refer(recovery_case()), CANCELLED)
    [notice] = notifications("referral.cancel")
    assert (notice.organisation_id, notice.referral_id) == (org(SAFE_HARBOUR).id, referral.id)


@pytest.mark.parametrize(
    ("identifier", "organisation"), [("police", POLICE), ("ngo", SAFE_HARBOUR)]
)
def test_reasonable_grounds_decision_notifies_the_identifying_organisation(
    ctx, identifier, organisation
):
    case = recovery_case(identifier)
    [notice] = notifications("case.reasonable_grounds")
    assert notice.organisation_id == org(organisation).id
    assert (notice.case_reference, notice.details) == (case.reference, {"outcome": "positive"})


def test_marking_a_notification_read_is_per_user_and_within_the_organisation(ctx):
    refer(recovery_case())
    colleague = make_user("second@harbour.example.org", Role.NGO, SAFE_HARBOUR)
    [notice] = notifications("referral.new")
    with pytest.raises(rops.ReferralNotFound):
        rops.mark_read(user("health"), notice.id)
    with pytest.raises(rops.ReferralNotFound):
        rops.mark_read(user("ngo"), notice.id + 1000)

    rops.mark_read(user("ngo"), notice.id)
    rops.mark_read(user("ngo"), notice.id)  # reading twice records once
    assert "referral.new" not in _unread_kinds(user("ngo"))
    assert "referral.new" in _unread_kinds(colleague)
    assert audit_count("notification.read") == 1


# --- the audit trail -----------------------------------------------------------------------------


def test_referrals_owners_and_reads_are_in_the_audit_trail(ctx):
    case = recovery_case()
    coordinator, ngo = user("coordinator"), user("ngo")
    rops.assign_owner(coordinator, case, coordinator.id)
    completed = move_to(refer(case, "shelter"), COMPLETED)
    move_to(refer(case, "psychological"), DECLINED)
    move_to(refer(case, "interpretation"), CANCELLED)
    rops.mark_read(ngo, notifications("referral.new")[0].id)

    expected = {
        "referral.created": 3,
        "referral.accepted": 1,
        "referral.completed": 1,
        "referral.declined": 1,
        "referral.cancelled": 1,
        "case.owner_assigned": 1,
        "notification.read": 1,
    }
    assert {action: audit_count(action) for action in expected} == expected
    accepted = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "referral.accepted"))
    assert (accepted.actor_id, accepted.case_reference) == (ngo.id, case.reference)
    assert f'"referral":{completed.id}' in accepted.canonical.replace(" ", "")
    owner = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "case.owner_assigned"))
    assert owner.actor_id == coordinator.id
    # Free-text reasons stay on the referral; the trail keeps codes only.
    trail = " ".join(db.session.scalars(select(AuditEntry.canonical)))
    assert "no room for men" not in trail and "another region" not in trail


# --- pages -------------------------------------------------------------------------------------


def test_coordinator_refers_on_the_page_and_the_shelter_accepts(app, demo):
    with app.test_request_context():
        rops.set_capacity(org(SAFE_HARBOUR), "shelter", 2)
        reference = recovery_case().reference
        harbour_id = org(SAFE_HARBOUR).id
        db.session.commit()

    coordinator = _client(app, ROLE_EMAILS["coordinator"])
    page = f"/cases/{reference}/referrals/new?service=shelter"
    html = coordinator.get(page).get_data(as_text=True)
    assert "Safe Harbour" in html and "2 free places" in html
    assert "City Hospital No. 1" not in html  # does not offer shelter
    response = post_form(
        coordinator,
        f"/cases/{reference}/referrals/new",
        {
            "service": "shelter",
            "organisation_id": str(harbour_id),
            "note": "needs a quiet room",
            "respond_by": "",
        },
        page=page,
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert f"/cases/{reference}" in response.headers["Location"]
    with app.app_context():
        referral = db.session.scalar(select(ServiceReferral))
        referral_id = referral.id
        assert (referral.status, referral.note, referral.organisation_id) == (
            PENDING,
            "needs a quiet room",
            harbour_id,
        )

    ngo = _client(app, ROLE_EMAILS["ngo"])
    home = ngo.get("/").get_data(as_text=True)
    assert "Referral waiting for your answer" in home
    assert "New service referral" in home
    assert re.search(r'<span class="count[^"]*">1</span>', home)
    assert ngo.get(f"/cases/{reference}").status_code == 200  # sent to them: they may see it

    show = ngo.get(f"/referrals/{referral_id}").get_data(as_text=True)
    assert "needs a quiet room" in show and "Accept" in show
    response = post_form(
        ngo,
        f"/referrals/{referral_id}/accept",
        {"version": _version(show)},
        page=f"/referrals/{referral_id}",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(ServiceReferral, referral_id).status == ACCEPTED
    assert "1 free place" in coordinator.get(page).get_data(as_text=True)

    doctor = _client(app, ROLE_EMAILS["health"])
    assert doctor.get(f"/referrals/{referral_id}").status_code == 403
    assert ngo.get(f"/referrals/{referral_id}").status_code == 200


def test_identifying_note_on_the_referral_page_is_refused(app, demo):
    with app.test_request_context():
        reference = recovery_case().reference
        harbour_id = org(SAFE_HARBOUR).id
        db.session.commit()
    coordinator = _client(app, ROLE_EMAILS["coordinator"])
    page = f"/cases/{reference}/referrals/new?service=shelter"
    response = post_form(
        coordinator,
        f"/cases/{reference}/referrals/new",
        {"service": "shelter", "organisation_id": str(harbour_id), "note": "call +7 912 345 67 89"},
        page=page,
    )
    assert response.status_code == 422
    assert "Remove personal identifiers" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(ServiceReferral.id))) == 0


def test_navigation_counts_match_the_inbox_and_are_counted_in_the_database(ctx):
    overdue = refer(recovery_case())
    overdue.respond_by = utcnow() - timedelta(hours=1)
    refer(recovery_case(), "psychological", SAFE_HARBOUR)
    referred_case().rg_due_on = utcnow().date() - timedelta(days=1)
    db.session.flush()
    for role in ("coordinator", "ngo", "police", "auditor"):
        items = work_for(user(role))
        counts = work_counts(user(role))
        assert counts.total == len(items), role
        assert counts.overdue == sum(1 for i in items if i.overdue), role
    assert work_counts(user("ngo")).overdue == 1
    assert work_for(user("ngo"))[0].overdue  # overdue first


def test_providers_do_not_read_the_reasons_for_decisions(ctx):
    case = recovery_case()
    refer(case)
    assert policy.can_see_reasons(user("coordinator"), case)
    assert policy.can_see_reasons(user("police"), case)  # the identifying organisation
    assert policy.can_see_reasons(user("auditor"), case)
    assert policy.can_view(user("ngo"), case)
    assert not policy.can_see_reasons(user("ngo"), case)


def test_a_provider_cannot_open_another_providers_referral_on_the_same_case(ctx):
    case = recovery_case()
    shelter = move_to(refer(case), ACCEPTED)
    medical = refer(case, "medical", HOSPITAL, note="follow-up of a chronic condition")
    assert policy.can_view(user("ngo"), case)
    with pytest.raises(NotAllowed):
        rops.get_referral(user("ngo"), medical.id)
    with pytest.raises(NotAllowed):
        rops.get_referral(user("health"), shelter.id)


def test_withdrawn_consent_ends_sharing_and_the_case_is_not_reopened(ctx):
    case = recovery_case("ngo")
    ops.record_consent(user("ngo"), case, "given", True)
    ops.fire(user("ngo"), case, "withdraw_consent")
    assert case.share_with_law_enforcement is False
    assert "reopen" not in policy.allowed_triggers(user("coordinator"), case)
    refused("consent_withdrawn", ops.fire, user("coordinator"), case, "reopen", reason="again")


def test_once_referred_consent_is_confirmed_or_withdrawn_never_refused(ctx):
    case = recovery_case()
    with pytest.raises(InvalidInput) as caught:
        ops.record_consent(user("police"), case, "refused", False)
    assert caught.value.code == "consent_in_mechanism"
    assert case.stage == Stage.RECOVERY and case.consent_status == "given"


def test_an_adult_is_referred_to_services_only_with_consent_given(ctx):
    case = recovery_case()
    case.consent_status = "withdrawn"  # as after a withdrawal reopened by mistake
    refused("consent_required", refer, case)
