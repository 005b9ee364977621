"""Locale selection and translated labels shared by templates."""

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user

from referral.extensions import babel

LANGUAGE_NAMES = {"en": "English", "ru": "Русский"}


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # command line: the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    chosen = session.get("locale")
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or languages[0]


def init_i18n(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    app.add_template_filter(service_label)

    @app.context_processor
    def inject_languages() -> dict:
        return {
            "languages": [
                (code, LANGUAGE_NAMES.get(code, code)) for code in app.config["LANGUAGES"]
            ],
            "current_locale": str(get_locale()),
        }


def service_label(code: str) -> str:
    from referral.organisations.models import SERVICE_LABELS, Service

    try:
        return str(SERVICE_LABELS[Service(code)])
    except ValueError:
        return code
