from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional

from referral.cases.vocabulary import (
    AGE_BANDS,
    CLOSURE_REASONS,
    CONSENT_STATUSES,
    EXPLOITATION_TYPES,
    GENDERS,
    LABOUR_INDUSTRIES,
    OUTCOMES,
    country_choices,
)
from referral.core.widgets import MultiCheckboxField, choices

NO_CHOICE = SelectChoice("", _l("— choose —"))


# The operations validate every value (one rule for pages and API alike), so the selects
# here do not refuse unknown choices themselves.
class CaseForm(FlaskForm):
    age_band = SelectField(
        _l("Age band"),
        choices=[NO_CHOICE, *choices((b, b) for b in AGE_BANDS)],
        validate_choice=False,
    )
    gender = SelectField(
        _l("Gender"), choices=[NO_CHOICE, *choices(GENDERS)], validate_choice=False
    )
    citizenship = SelectField(_l("Citizenship"), validate_choice=False)
    exploitation_types = MultiCheckboxField(
        _l("Type of exploitation"), choices=choices(EXPLOITATION_TYPES), validate_choice=False
    )
    labour_industry = SelectField(
        _l("Industry (forced labour only)"),
        choices=[
            SelectChoice("", _l("— not applicable —")),
            *choices((k, f"{k} · {v}") for k, v in LABOUR_INDUSTRIES.items()),
        ],
        validate_choice=False,
    )
    region = StringField(_l("Region"), validators=[Optional(), Length(max=100)])
    identified_on = StringField(
        _l("Month of identification"),
        validators=[Optional(), Length(max=7)],
        render_kw={"type": "month", "placeholder": "YYYY-MM"},
    )
    version = HiddenField()
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.citizenship.choices = [NO_CHOICE, *choices(country_choices())]


class IndicatorForm(FlaskForm):
    code = SelectField(_l("Indicator observed"), validate_choice=False)
    note = TextAreaField(
        _l("Note (optional)"), validators=[Optional(), Length(max=2000)], render_kw={"rows": 3}
    )
    submit = SubmitField(_l("Log indicator"))


class RetractForm(FlaskForm):
    submit = SubmitField(_l("Retract"))


class ConsentForm(FlaskForm):
    status = SelectField(
        _l("Consent"), choices=[NO_CHOICE, *choices(CONSENT_STATUSES)], validate_choice=False
    )
    share_with_law_enforcement = BooleanField(
        _l("The person agrees that law enforcement may see the case")
    )
    version = IntegerField(widget=HiddenField.widget, validators=[Optional()])
    submit = SubmitField(_l("Record consent"))


class TransitionForm(FlaskForm):
    outcome = RadioField(
        _l("Outcome"), choices=choices(OUTCOMES), validators=[Optional()], validate_choice=False
    )
    reason = TextAreaField(_l("Reason"), render_kw={"rows": 4}, validators=[Length(max=2000)])
    closure_reason = SelectField(
        _l("Reason for closing"),
        choices=[NO_CHOICE, *choices(CLOSURE_REASONS)],
        validate_choice=False,
    )
    version = IntegerField(widget=HiddenField.widget, validators=[InputRequired()])
    submit = SubmitField(_l("Confirm"))


class CaseFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    stage = SelectField(_l("Stage"), validators=[Optional()])
    exploitation_type = SelectField(
        _l("Type of exploitation"),
        choices=[SelectChoice("", _l("Any")), *choices(EXPLOITATION_TYPES)],
        validators=[Optional()],
    )
    region = StringField(_l("Region"), validators=[Optional(), Length(max=100)])
    needs_my_action = BooleanField(_l("Needs my action"))
    submit = SubmitField(_l("Filter"))
