"""The auditor's workspace and the case history timeline."""

import csv
import io
import json
from datetime import UTC, datetime, time, timedelta

from flask import Blueprint, Response, abort, render_template, request, stream_with_context, url_for
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from referral.audit import operations
from referral.audit.forms import AuditSearchForm
from referral.audit.trail import record
from referral.audit.vocabulary import PROBLEMS, describe
from referral.auth.models import User
from referral.cases import policy
from referral.cases.operations import get_visible_case
from referral.core.access import requires
from referral.extensions import db
from referral.organisations.models import Organisation
from referral.permissions import ROLE_LABELS, Permission, Role

bp = Blueprint("audit", __name__)

PER_PAGE = 50


def present(entries) -> list[dict]:
    """Entries as rows a person reads: who, which organisation, what, in their language."""
    entries = list(entries)
    users, organisations = operations.actor_names(entries)
    rows = []
    for entry in entries:
        details = json.loads(entry.canonical).get("details", {})
        role = entry.actor_role
        rows.append(
            {
                "seq": entry.seq,
                "at": entry.at,
                "actor": users.get(entry.actor_id, "—") if entry.actor_id else "—",
                "role": str(ROLE_LABELS.get(Role(role), role)) if role in set(Role) else role,
                "organisation": organisations.get(entry.organisation_id, ""),
                "action": entry.action,
                "case": entry.case_reference,
                "text": describe(entry, details),
                "details": details,
            }
        )
    return rows


def _filters(form: AuditSearchForm) -> operations.AuditFilters:
    """The filters of a validated search form."""
    filters = operations.AuditFilters()
    filters.case = form.case.data or None
    if form.user.data:
        filters.user_id = (
            db.session.scalar(select(User.id).where(User.email == form.user.data.strip().lower()))
            or -1
        )  # an unknown user matches nothing
    filters.organisation_id = int(form.organisation.data) if form.organisation.data else None
    filters.action = form.action.data or None
    if form.since.data:
        filters.since = datetime.combine(form.since.data, time.min, UTC)
    if form.until.data:
        filters.until = datetime.combine(form.until.data + timedelta(days=1), time.min, UTC)
    return filters


def _search_form() -> AuditSearchForm:
    form = AuditSearchForm(request.args)
    organisations = db.session.execute(
        select(Organisation.id, Organisation.name).order_by(Organisation.name)
    )
    form.organisation.choices = [SelectChoice("", "—")] + [
        SelectChoice(str(row.id), row.name) for row in organisations
    ]
    return form


@bp.route("/audit")
@requires(Permission.AUDIT_VIEW)
def search():
    form = _search_form()
    if not form.validate():
        # A search that cannot be understood shows why, rather than everything.
        return render_template(
            "audit/search.html",
            form=form,
            rows=[],
            total=0,
            page=1,
            pages=1,
            page_url=lambda n: "",
            export_url=None,
        ), 422
    filters = _filters(form)
    page = max(request.args.get("page", 1, type=int), 1)
    entries, total = operations.search(filters, page, PER_PAGE)
    record("audit.searched", details={"filters": filters.as_details(), "page": page})
    pages = max((total + PER_PAGE - 1) // PER_PAGE, 1)

    def page_url(number: int) -> str:
        return url_for("audit.search", **{**request.args.to_dict(), "page": number})

    return render_template(
        "audit/search.html",
        form=form,
        rows=present(entries),
        total=total,
        page=page,
        pages=pages,
        page_url=page_url,
        export_url=url_for("audit.export", **request.args.to_dict()),
    )


CSV_COLUMNS = ("seq", "at", "actor", "role", "organisation", "action", "case", "text", "details")


@bp.route("/audit/export.csv")
@requires(Permission.AUDIT_VIEW)
def export():
    form = _search_form()
    if not form.validate():
        abort(400)
    filters = _filters(form)
    # The unit of work commits this entry before the first row is streamed out.
    record("audit.exported", details={"filters": filters.as_details()})

    def rows():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(CSV_COLUMNS)
        batch: list = []
        for entry in operations.stream(filters):
            batch.append(entry)
            if len(batch) == 500:
                yield from _csv_rows(writer, buffer, batch)
                batch = []
        yield from _csv_rows(writer, buffer, batch)

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return Response(
        stream_with_context(rows()),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="audit-{stamp}.csv"'},
    )


def _csv_rows(writer, buffer: io.StringIO, batch: list):
    for row in present(batch):
        details = json.dumps(row["details"], sort_keys=True, ensure_ascii=False)
        writer.writerow(
            [
                row["seq"],
                row["at"].isoformat(),
                row["actor"],
                row["role"],
                row["organisation"],
                row["action"],
                row["case"] or "",
                row["text"],
                details,
            ]
        )
    yield buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()


@bp.route("/audit/chain")
@requires(Permission.AUDIT_VIEW)
def chain():
    result = None
    if request.args.get("run"):
        result = operations.run_verification(actor=current_user)
    return render_template(
        "audit/chain.html",
        result=result,
        last=operations.last_verification(),
        problems=PROBLEMS,
    )


@bp.route("/cases/<reference>/history")
@requires(Permission.CASE_VIEW)
def case_history(reference: str):
    case = get_visible_case(current_user, reference)
    sees_everything = current_user.can(Permission.AUDIT_VIEW) or policy.is_coordinator(current_user)
    entries = operations.case_history(
        case.reference, actor_id=None if sees_everything else current_user.id
    )
    record("case.history_viewed", case_reference=case.reference, details={"via": "page"})
    return render_template(
        "audit/case_history.html", case=case, rows=present(entries), complete=sees_everything
    )


@bp.route("/cases/<reference>/viewers")
@requires(Permission.AUDIT_VIEW)
def case_viewers(reference: str):
    case = get_visible_case(current_user, reference)
    rows = operations.case_viewers(case.reference)
    users, organisations = operations.actor_names(rows)
    viewers = [
        {
            "user": users.get(row.actor_id, "—"),
            "role": str(ROLE_LABELS.get(Role(row.actor_role), row.actor_role)),
            "organisation": organisations.get(row.organisation_id, ""),
            "first": row.first,
            "last": row.last,
            "times": row.times,
        }
        for row in rows
    ]
    record("case.viewers_viewed", case_reference=case.reference)
    return render_template("audit/viewers.html", case=case, viewers=viewers)
