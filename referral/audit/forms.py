from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectChoice, SelectField, StringField
from wtforms.validators import Length, Optional

from referral.audit.vocabulary import ACTION_LABELS
from referral.core.widgets import choices


class AuditSearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    case = StringField(_l("Case reference"), validators=[Optional(), Length(max=32)])
    user = StringField(_l("User (work email)"), validators=[Optional(), Length(max=254)])
    organisation = SelectField(_l("Organisation"), validators=[Optional()], coerce=str)
    action = SelectField(
        _l("Action"),
        choices=[SelectChoice("", _l("Any")), *choices(ACTION_LABELS)],
        validators=[Optional()],
    )
    since = DateField(_l("From (date)"), validators=[Optional()])
    until = DateField(_l("To (date, inclusive)"), validators=[Optional()])
