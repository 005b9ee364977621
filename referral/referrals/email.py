"""Optional email about new notifications (off by default; the in-app notice is the record).

Messages are queued in the unit of work and sent only after it commits, so nobody is
told about something that did not happen. Sending failures are logged, never raised.
The message names the kind of notice and the case reference, nothing about the person.
"""

import smtplib
from email.message import EmailMessage

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from referral.auth.models import User
from referral.extensions import db
from referral.permissions import Permission, Role, role_has


def queue_notification_email(organisation_id: int, kind: str, case_reference: str | None) -> None:
    config = current_app.config
    if not config.get("MAIL_ENABLED"):
        return
    from referral.referrals.inbox import NOTIFICATION_LABELS

    readers = [role for role in Role if role_has(role, Permission.CASE_VIEW)]
    users = db.session.scalars(
        select(User).where(
            User.organisation_id == organisation_id,
            User.active.is_(True),
            User.role.in_(readers),  # notices name cases: not for administrators
        )
    )
    outgoing = db.session.info.setdefault("outgoing_mail", [])
    for user in users:
        with force_locale(user.locale or config["BABEL_DEFAULT_LOCALE"]):
            label = str(NOTIFICATION_LABELS.get(kind, kind))
            message = EmailMessage()
            message["Subject"] = _("NRM: %(what)s", what=label)
            message["From"] = config["MAIL_SENDER"]
            message["To"] = user.email
            message.set_content(
                _(
                    "%(what)s: case %(reference)s. Sign in to the NRM system to see it.",
                    what=label,
                    reference=case_reference or "—",
                )
            )
        outgoing.append(message)
    db.session.info["mail_settings"] = {
        key: config.get(key)
        for key in ("MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS", "MAIL_USERNAME", "MAIL_PASSWORD")
    }
    db.session.info["mail_logger"] = current_app.logger


@event.listens_for(Session, "after_commit")
def _send_queued(session: Session) -> None:
    messages = session.info.pop("outgoing_mail", None)
    settings = session.info.pop("mail_settings", None)
    logger = session.info.pop("mail_logger", None)
    if not messages or not settings:
        return
    try:
        with smtplib.SMTP(settings["MAIL_SERVER"], int(settings["MAIL_PORT"]), timeout=10) as smtp:
            if settings["MAIL_USE_TLS"]:
                smtp.starttls()
            if settings["MAIL_USERNAME"]:
                smtp.login(settings["MAIL_USERNAME"], settings["MAIL_PASSWORD"] or "")
            for message in messages:
                smtp.send_message(message)
    except (OSError, smtplib.SMTPException):
        if logger is not None:
            logger.exception("notification email could not be sent")


@event.listens_for(Session, "after_rollback")
def _drop_queued(session: Session) -> None:
    session.info.pop("outgoing_mail", None)
