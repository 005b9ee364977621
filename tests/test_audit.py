"""The audit trail: what is recorded, that it is tamper-evident, and the auditor's workspace."""

import csv
import io
import json
import multiprocessing
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from referral import create_app
from referral.audit.chain import Checkpoint, current_checkpoint, verify_chain
from referral.audit.models import AuditEntry
from referral.audit.trail import record
from referral.audit.vocabulary import ACTION_LABELS
from referral.auth.models import User
from referral.cases import operations as ops
from referral.extensions import db
from tests.conftest import ROLE_EMAILS, TEST_DATABASE_URL, login, post_form

ADULT = dict(
    age_band="30-38", gender="male", citizenship="MD", exploitation_types=["forced_labour"]
)


def user(role: str) -> User:
    return db.session.scalar(select(User).where(User.email == ROLE_EMAILS[role]))


def entries(app, action: str | None = None) -> list[dict]:
    with app.app_context():
        query = select(AuditEntry).order_by(AuditEntry.seq)
        if action:
            query = query.where(AuditEntry.action == action)
        return [json.loads(e.canonical) for e in db.session.scalars(query)]


def last_seq(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.max(AuditEntry.seq))) or 0


def _client(app, role):
    client = app.test_client()
    login(client, ROLE_EMAILS[role])
    return client


@pytest.fixture
def ctx(app, demo):
    with app.test_request_context():
        yield


# --- what is recorded ----------------------------------------------------------------------


def test_case_changes_are_recorded_with_coded_values_only(app, ctx):
    police, coordinator = user("police"), user("coordinator")
    case = ops.create_case(police, ops.CaseInput(**ADULT, region="North district"))
    ops.update_case(police, case, ops.CaseInput(**{**ADULT, "gender": "female"}, region="South"))
    ops.log_indicator(police, case, "DR-01", "worked 16 hours every day")
    ops.retract_indicator(police, case, case.observations[0].id)
    ops.log_indicator(police, case, "CD-01")
    ops.record_consent(police, case, "given", True)
    ops.fire(police, case, "refer")
    ops.fire(coordinator, case, "reasonable_grounds", "negative", "not enough to go on")
    db.session.commit()

    trail = [e for e in entries(app) if e["case"] == case.reference]
    assert [e["action"] for e in trail] == [
        "case.created",
        "case.updated",
        "indicator.logged",
        "indicator.retracted",
        "indicator.logged",
        "consent.recorded",
        "case.transition",
        "case.transition",
    ]
    created, updated = trail[0], trail[1]
    assert created["details"]["age_band"] == "30-38"
    assert updated["details"] == {
        "gender": {"old": "male", "new": "female"},
        "region": {"changed": True},
    }
    assert trail[2]["details"] == {
        "observation": case.observations[0].id,
        "code": "DR-01",
        "with_note": True,
    }
    assert trail[-1]["details"] == {
        "trigger": "reasonable_grounds",
        "from": "referred",
        "to": "closed",
        "outcome": "negative",
        "closure_reason": "negative_rg",
    }
    assert trail[-1]["actor"] == coordinator.id and trail[-1]["role"] == "coordinator"
    assert trail[-1]["organisation"] == coordinator.organisation_id
    everything = json.dumps(trail)
    for free_text in ("North district", "South", "16 hours", "not enough to go on"):
        assert free_text not in everything


def test_a_failed_change_writes_no_entry(app, ctx):
    case = ops.create_case(user("police"), ops.CaseInput(**ADULT))
    db.session.commit()
    before = last_seq(app)
    with pytest.raises(ops.InvalidInput):
        ops.log_indicator(user("police"), case, "DR-01", "call +7 912 345 67 89")
    with pytest.raises(ops.GuardRefused):
        ops.fire(user("police"), case, "refer")
    db.session.rollback()
    assert last_seq(app) == before


def test_page_reads_and_searches_are_recorded(app, police_case):
    coordinator = _client(app, "coordinator")
    coordinator.get(f"/cases/{police_case}")
    coordinator.get("/cases?stage=identified&region=Capital")
    coordinator.get(f"/cases/{police_case}/history")
    viewed = entries(app, "case.viewed")[-1]
    assert viewed["case"] == police_case and viewed["details"] == {"via": "page"}
    listed = entries(app, "case.listed")[-1]
    assert listed["details"]["filters"] == {"stage": "identified", "region": True}
    assert entries(app, "case.history_viewed")[-1]["case"] == police_case


def test_refused_access_to_a_case_is_recorded_with_the_route(app, police_case):
    ngo = _client(app, "ngo")
    assert ngo.get(f"/cases/{police_case}").status_code == 404
    admin = _client(app, "admin")
    assert admin.get(f"/cases/{police_case}").status_code == 403
    refusals = entries(app, "access.refused")
    assert [(r["case"], r["details"]["status"], r["details"]["route"]) for r in refusals] == [
        (police_case, 404, "cases.show"),
        (police_case, 403, "cases.show"),
    ]
    assert not [e for e in entries(app, "case.viewed") if e["actor"] == refusals[0]["actor"]]


def test_sign_in_events_are_recorded_and_emails_are_hashed(app, demo):
    client = app.test_client()
    login(client, "Police@Example.org", "a wrong password")
    login(client, ROLE_EMAILS["police"])
    post_form(client, "/auth/logout")
    actions = [e["action"] for e in entries(app) if e["action"].startswith("auth.")]
    assert actions == ["auth.login_failed", "auth.login", "auth.logout"]
    failed = entries(app, "auth.login_failed")[0]
    assert len(failed["details"]["email_hash"]) == 64
    assert "example.org" not in json.dumps(entries(app))


def test_admin_changes_and_tokens_are_recorded(app, demo, runner):
    admin = _client(app, "admin")
    post_form(
        admin, "/admin/organisations/new", {"name": "Harbour Two", "type": "ngo", "active": "y"}
    )
    runner.invoke(args=["users", "token", ROLE_EMAILS["coordinator"]])
    created = entries(app, "organisation.created")[-1]
    assert created["details"]["fields"]["name"] == {"old": None, "new": "Harbour Two"}
    assert created["role"] == "admin"
    token = entries(app, "token.created")[-1]
    assert token["role"] == "system"


# --- tamper evidence -----------------------------------------------------------------------


def _realistic_session(app, police_case) -> None:
    for role in ("coordinator", "auditor", "police"):
        client = _client(app, role)
        client.get(f"/cases/{police_case}")
        client.get("/cases")


def tamper(app, *statements: str) -> None:
    """Change the trail the way someone with direct database access would."""
    with app.app_context(), db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            conn.execute(text("DROP TRIGGER audit_entries_no_update"))
            conn.execute(text("DROP TRIGGER audit_entries_no_delete"))
        for statement in statements:
            conn.execute(text(statement))


def verify(app, checkpoints=()):
    with app.app_context():
        return verify_chain(list(checkpoints))


def test_the_chain_verifies_after_a_realistic_session(app, police_case):
    _realistic_session(app, police_case)
    result = verify(app)
    assert result.ok and result.entries == last_seq(app) > 20


def test_the_database_refuses_to_change_or_delete_entries(app, police_case):
    for statement in (
        "UPDATE audit_entries SET action = 'case.created' WHERE seq = 1",
        "DELETE FROM audit_entries WHERE seq = 1",
    ):
        with (
            app.app_context(),
            pytest.raises(Exception, match="append-only"),
            db.engine.begin() as conn,
        ):
            conn.execute(text(statement))
    assert verify(app).ok


def test_an_edited_entry_is_detected_at_its_sequence_number(app, police_case):
    _realistic_session(app, police_case)
    tamper(
        app,
        "UPDATE audit_entries SET canonical = replace(canonical, '\"role\"', '\"role\" ') "
        "WHERE seq = 12",
    )
    result = verify(app)
    assert (result.ok, result.first_bad_seq, result.problem) == (False, 12, "entry_altered")


def test_an_edited_index_column_is_detected(app, police_case):
    _realistic_session(app, police_case)
    tamper(app, "UPDATE audit_entries SET action = 'case.viewed' WHERE seq = 9")
    assert (verify(app).first_bad_seq, verify(app).problem) == (9, "column_differs")


def test_a_deleted_entry_is_detected(app, police_case):
    _realistic_session(app, police_case)
    tamper(app, "DELETE FROM audit_entries WHERE seq = 7")
    result = verify(app)
    assert (result.first_bad_seq, result.problem) == (7, "entry_missing")


def test_an_inserted_entry_is_detected(app, police_case):
    _realistic_session(app, police_case)
    tamper(
        app,
        "UPDATE audit_entries SET seq = seq + 1000 WHERE seq >= 5",
        "UPDATE audit_entries SET seq = seq - 999 WHERE seq >= 1005",
        "INSERT INTO audit_entries (seq, at, action, canonical, prev_hash, hash) "
        "SELECT 5, at, 'case.viewed', canonical, prev_hash, 'forged' "
        "FROM audit_entries WHERE seq = 4",
    )
    result = verify(app)
    assert (result.ok, result.first_bad_seq) == (False, 5)


def test_two_reordered_entries_are_detected(app, police_case):
    _realistic_session(app, police_case)
    tamper(
        app,
        "UPDATE audit_entries SET seq = -1 WHERE seq = 10",
        "UPDATE audit_entries SET seq = 10 WHERE seq = 11",
        "UPDATE audit_entries SET seq = 11 WHERE seq = -1",
    )
    result = verify(app)
    assert (result.ok, result.first_bad_seq) == (False, 10)


def test_a_truncated_tail_is_detected_behind_a_checkpoint(app, police_case):
    _realistic_session(app, police_case)
    with app.app_context():
        checkpoint = current_checkpoint()
    total = checkpoint.entries
    # A careful attacker also rewinds the head row; only the checkpoint kept outside shows it.
    tamper(
        app,
        f"DELETE FROM audit_entries WHERE seq > {total - 3}",
        f"UPDATE audit_chain_head SET seq = {total - 3}, "
        f"hash = (SELECT hash FROM audit_entries WHERE seq = {total - 3})",
    )
    assert verify(app).ok  # without the checkpoint the shorter chain looks whole
    result = verify(app, [checkpoint])
    assert (result.ok, result.first_bad_seq, result.problem) == (
        False,
        total - 2,
        "truncated_behind_checkpoint",
    )


def test_a_forged_checkpoint_is_refused(app, police_case):
    with app.app_context():
        good = current_checkpoint()
    forged = Checkpoint(good.entries + 5, good.head, good.at, good.signature)
    assert verify(app, [forged]).problem == "checkpoint_signature_invalid"


def test_cli_checkpoint_and_verify(app, police_case, runner, tmp_path):
    path = tmp_path / "checkpoint.json"
    assert runner.invoke(args=["audit", "checkpoint", "--output", str(path)]).exit_code == 0
    ok = runner.invoke(args=["audit", "verify", "--checkpoint", str(path)])
    assert ok.exit_code == 0, ok.output
    assert f"intact: {Checkpoint.from_json(path.read_text()).entries} entries" in ok.output
    tamper(app, "UPDATE audit_entries SET canonical = canonical || ' ' WHERE seq = 3")
    broken = runner.invoke(args=["audit", "verify", "--checkpoint", str(path)])
    assert broken.exit_code == 1
    assert "BROKEN at entry 3" in broken.output


def test_checkpoints_are_written_every_n_entries(app, demo):
    app.config["AUDIT_CHECKPOINT_EVERY"] = 5
    _client(app, "coordinator").get("/cases")
    folder = app.instance_path + "/audit-checkpoints"
    written = sorted(Path(folder).iterdir())
    checkpoints = [Checkpoint.from_json(path.read_text()) for path in written]
    assert checkpoints and all(c.entries % 5 == 0 for c in checkpoints)
    assert verify(app, checkpoints).ok


# --- concurrency ---------------------------------------------------------------------------


def _append_many(app, count: int) -> None:
    with app.app_context():
        for n in range(count):
            record("case.viewed", case_reference="NRM-TEST", details={"n": n})
            db.session.commit()


def test_concurrent_threads_never_fork_the_chain(app, demo):
    before = last_seq(app)
    threads = [threading.Thread(target=_append_many, args=(app, 25)) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    result = verify(app)
    assert result.ok
    assert result.entries == before + 150


def _process_writer(database_url: str, instance: str, count: int) -> None:
    app = create_app(
        "config.TestConfig", SQLALCHEMY_DATABASE_URI=database_url, INSTANCE_PATH=instance
    )
    _append_many(app, count)
    with app.app_context():
        db.engine.dispose()


def test_concurrent_processes_never_fork_the_chain(app, demo, database_url, tmp_path):
    before = last_seq(app)
    with app.app_context():
        db.engine.dispose()
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(target=_process_writer, args=(database_url, str(tmp_path / "p"), 20))
        for _ in range(3)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=180)
        assert worker.exitcode == 0
    result = verify(app)
    assert result.ok and result.entries == before + 60


# --- the auditor's workspace ---------------------------------------------------------------


def test_auditor_searches_by_case_user_action_and_date(app, police_case):
    _realistic_session(app, police_case)
    auditor = _client(app, "auditor")
    html = auditor.get(f"/audit?case={police_case}&action=case.viewed").get_data(as_text=True)
    assert "3 entries" in html
    assert "coordinator@example.org" in html and "Viewed the case" in html
    by_user = auditor.get("/audit?user=police@example.org&action=case.created").get_data(
        as_text=True
    )
    assert "1 entry" in by_user
    assert "0 entries" in auditor.get("/audit?since=2000-01-01&until=2000-01-02").get_data(
        as_text=True
    )
    assert entries(app, "audit.searched")[-1]["details"]["filters"] == {
        "since": "2000-01-01T00:00:00+00:00",
        "until": "2000-01-03T00:00:00+00:00",
    }


def test_csv_export_has_every_matching_entry_and_is_itself_audited(app, police_case):
    _realistic_session(app, police_case)
    response = _client(app, "auditor").get(f"/audit/export.csv?case={police_case}")
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert {r["action"] for r in rows} >= {"case.created", "indicator.logged", "case.viewed"}
    assert all(r["case"] == police_case for r in rows)
    assert entries(app, "audit.exported")[-1]["details"]["filters"] == {"case": police_case}


def test_case_timeline_in_russian(app, police_case):
    auditor = _client(app, "auditor")
    post_form(auditor, "/language", {"locale": "ru"})
    html = auditor.get(f"/cases/{police_case}/history").get_data(as_text=True)
    assert "police@example.org" in html
    with app.test_request_context(headers={"Accept-Language": "ru"}):
        recorded = str(ACTION_LABELS["case.created"])
    assert recorded != "Recorded the case"
    assert recorded in html and "Recorded the case" not in html


def test_who_has_seen_the_case(app, police_case):
    _realistic_session(app, police_case)
    html = _client(app, "auditor").get(f"/cases/{police_case}/viewers").get_data(as_text=True)
    for email in ("coordinator@example.org", "auditor@example.org", "police@example.org"):
        assert email in html
    assert "ngo@example.org" not in html


def test_frontline_users_see_only_their_own_actions_in_a_case_history(app, police_case):
    _client(app, "coordinator").get(f"/cases/{police_case}")
    police_view = _client(app, "police").get(f"/cases/{police_case}/history").get_data(as_text=True)
    assert "coordinator@example.org" not in police_view
    assert "Recorded the case" in police_view
    coordinator_view = _client(app, "coordinator").get(f"/cases/{police_case}/history")
    assert "police@example.org" in coordinator_view.get_data(as_text=True)


def test_frontline_users_cannot_read_the_audit_log(app, demo):
    for role in ("police", "coordinator", "admin"):
        client = _client(app, role)
        assert client.get("/audit").status_code == 403
        assert client.get("/audit/export.csv").status_code == 403


def test_chain_status_page_runs_verification(app, police_case):
    auditor = _client(app, "auditor")
    assert "has not been verified yet" in auditor.get("/audit/chain").get_data(as_text=True)
    html = auditor.get("/audit/chain?run=1").get_data(as_text=True)
    assert "Intact" in html
    tamper(app, "DELETE FROM audit_entries WHERE seq = 2")
    assert "Broken at entry 2" in auditor.get("/audit/chain?run=1").get_data(as_text=True)


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="PostgreSQL only")
def test_truncate_is_refused_on_postgresql(app, police_case):
    with (
        app.app_context(),
        pytest.raises(Exception, match="append-only"),
        db.engine.begin() as conn,
    ):
        conn.execute(text("TRUNCATE audit_entries"))


def test_a_search_that_cannot_be_understood_shows_why_instead_of_everything(app, police_case):
    auditor = _client(app, "auditor")
    response = auditor.get("/audit?since=yesterday")
    assert response.status_code == 422
    assert "0 entries" in response.get_data(as_text=True)
    assert auditor.get("/audit/export.csv?since=yesterday").status_code == 400


def test_the_edit_and_consent_pages_are_recorded_as_reads(app, police_case):
    police = _client(app, "police")
    police.get(f"/cases/{police_case}/edit")
    police.get(f"/cases/{police_case}/consent")
    vias = [e["details"]["via"] for e in entries(app, "case.viewed") if e["case"] == police_case]
    assert vias[-2:] == ["edit", "consent"]
