"""Helpers shared by the HTML forms of every feature."""

from flask import flash
from flask_wtf import FlaskForm

from referral.core.exceptions import InvalidInput


def show_errors(form: FlaskForm, error: InvalidInput) -> None:
    """Put each message next to its field; messages for fields the form lacks are flashed."""
    for name, message in error.fields.items():
        field = getattr(form, name, None)
        if field is None:
            flash(message, "error")
        else:
            field.errors = [*field.errors, message]
