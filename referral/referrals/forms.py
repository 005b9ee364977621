from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import Length, NumberRange, Optional

from referral.cases.forms import NO_CHOICE
from referral.core.widgets import choices
from referral.organisations.models import SERVICE_LABELS
from referral.referrals.process import OUTCOMES


class NewReferralForm(FlaskForm):
    service = SelectField(
        _l("Service"), choices=[NO_CHOICE, *choices(SERVICE_LABELS)], validate_choice=False
    )
    organisation_id = RadioField(_l("Provider"), validate_choice=False, coerce=str)
    note = TextAreaField(
        _l("Note for the provider (optional)"),
        validators=[Optional(), Length(max=2000)],
        render_kw={"rows": 3},
    )
    respond_by = DateTimeLocalField(
        _l("Answer needed by (UTC, optional)"), validators=[Optional()], format="%Y-%m-%dT%H:%M"
    )
    submit = SubmitField(_l("Send the referral"))


class ReferralActionForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[Length(max=2000)], render_kw={"rows": 3})
    outcome = RadioField(
        _l("Outcome"), choices=choices(OUTCOMES), validators=[Optional()], validate_choice=False
    )
    note = TextAreaField(
        _l("Note (optional)"), validators=[Optional(), Length(max=2000)], render_kw={"rows": 3}
    )
    version = HiddenField()
    submit = SubmitField(_l("Confirm"))


class OwnerForm(FlaskForm):
    user_id = SelectField(_l("Case owner"), coerce=str, validate_choice=False)
    submit = SubmitField(_l("Assign"))


class CapacityForm(FlaskForm):
    service = HiddenField()
    capacity = IntegerField(_l("Places"), validators=[Optional(), NumberRange(min=0, max=100000)])
    submit = SubmitField(_l("Save"))
