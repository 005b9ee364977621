from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from referral.core.i18n import LANGUAGE_NAMES
from referral.core.widgets import MultiCheckboxField, choices
from referral.organisations.models import ORGANISATION_TYPE_LABELS, SERVICE_LABELS
from referral.permissions import ROLE_LABELS


class OrganisationForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    type = SelectField(_l("Type"), choices=choices(ORGANISATION_TYPE_LABELS))
    region = StringField(_l("Region"), validators=[Optional(), Length(max=100)])
    is_public_authority = BooleanField(_l("Public authority"))
    services = MultiCheckboxField(_l("Services offered"), choices=choices(SERVICE_LABELS))
    active = BooleanField(_l("Active"), default=True)
    submit = SubmitField(_l("Save"))


class UserForm(FlaskForm):
    email = EmailField(_l("Work email"), validators=[DataRequired(), Length(max=254)])
    role = SelectField(_l("Role"), choices=choices(ROLE_LABELS))
    organisation_id = SelectField(_l("Organisation"), coerce=int)
    locale = SelectField(_l("Language"), choices=choices(LANGUAGE_NAMES))
    active = BooleanField(_l("Active"), default=True)
    submit = SubmitField(_l("Save"))


class NewUserForm(UserForm):
    password = PasswordField(_l("Initial password"), validators=[DataRequired()])


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired()])
    submit = SubmitField(_l("Reset password"))
