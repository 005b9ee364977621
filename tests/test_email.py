"""Optional notification email: off by default, sent only after the change commits."""

import socket

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from referral.auth.models import User
from referral.extensions import db
from referral.referrals.operations import notify
from tests.conftest import ROLE_EMAILS


class Inbox:
    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd names the hook
        self.messages.append(envelope)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


def _ngo_org(app) -> int:
    with app.app_context():
        return db.session.scalar(
            select(User.organisation_id).where(User.email == ROLE_EMAILS["ngo"])
        )


def test_no_email_unless_enabled(app, demo, smtp):
    controller, inbox = smtp
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    with app.test_request_context():
        notify(_ngo_org(app), "referral.new", "NRM-2026-AAAAAAAA", None)
        db.session.commit()
    assert inbox.messages == []


def test_users_of_the_organisation_are_emailed_after_commit_only(app, demo, smtp):
    controller, inbox = smtp
    app.config.update(MAIL_ENABLED=True, MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    org = _ngo_org(app)
    with app.test_request_context():
        notify(org, "referral.new", "NRM-2026-AAAAAAAA", None)
        db.session.rollback()
        assert inbox.messages == []
        notify(org, "referral.new", "NRM-2026-BBBBBBBB", None)
        db.session.commit()
    assert [m.rcpt_tos for m in inbox.messages] == [[ROLE_EMAILS["ngo"]]]
    body = inbox.messages[0].content.decode()
    assert "NRM-2026-BBBBBBBB" in body and "New service referral" in body


def test_a_mail_server_that_is_down_changes_nothing(app, demo):
    app.config.update(MAIL_ENABLED=True, MAIL_SERVER="127.0.0.1", MAIL_PORT=9)
    with app.test_request_context():
        notify(_ngo_org(app), "referral.new", "NRM-2026-CCCCCCCC", None)
        db.session.commit()  # does not raise


def test_administrators_are_not_emailed_notices_about_cases(app, demo, smtp):
    controller, inbox = smtp
    app.config.update(MAIL_ENABLED=True, MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    with app.app_context():
        office = db.session.scalar(
            select(User.organisation_id).where(User.email == ROLE_EMAILS["coordinator"])
        )
    with app.test_request_context():
        notify(office, "referral.accept", "NRM-2026-DDDDDDDD", None)
        db.session.commit()
    recipients = [to for m in inbox.messages for to in m.rcpt_tos]
    assert recipients == [ROLE_EMAILS["coordinator"]]
