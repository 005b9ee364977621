from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectChoice, SelectField, StringField
from wtforms.validators import Length, Optional, Regexp

from referral.audit.vocabulary import ACTION_LABELS
from referral.core.widgets import choices


class AuditSearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    case = StringField(
        _l("Case reference"),
        validators=[
            Optional(),
            # Only a reference: what is searched for is itself written to the audit trail.
            Regexp(r"^(?i:NRM-\d{4}-[0-9A-Z]{8})$", message=_l("Give a case reference.")),
        ],
    )
    user = StringField(_l("User (work email)"), validators=[Optional(), Length(max=254)])
    organisation = SelectField(_l("Organisation"), validators=[Optional()], coerce=str)
    action = SelectField(
        _l("Action"),
        choices=[SelectChoice("", _l("Any")), *choices(ACTION_LABELS)],
        validators=[Optional()],
    )
    since = DateField(_l("From (date)"), validators=[Optional()])
    until = DateField(_l("To (date, inclusive)"), validators=[Optional()])
