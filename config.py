"""Configuration. Every key can be overridden from the environment as FLASK_<KEY>."""

import os


class Config:
    # None means "a SQLite file in the instance folder", resolved by the app factory.
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    # None means "read or create instance/secret_key"; never a constant in code.
    SECRET_KEY = os.environ.get("SECRET_KEY")

    LANGUAGES = ("en", "ru")
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_TRANSLATION_DIRECTORIES = "../translations"

    # NRM policy: durations and thresholds are jurisdiction choices, never constants in code.
    RG_DECISION_WORKING_DAYS = 5
    RECOVERY_PERIOD_DAYS = 30
    REFERRAL_RESPONSE_HOURS = 48
    # A service accepted but not completed after this many days is flagged as overdue.
    REFERRAL_COMPLETION_DAYS = 30
    SUPPRESSION_THRESHOLD = 10

    # Sessions and sign-in.
    SESSION_IDLE_MINUTES = 30
    SESSION_ABSOLUTE_HOURS = 12
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # False still sets Secure on requests that arrived over HTTPS.
    SESSION_COOKIE_SECURE = False
    SESSION_COOKIE_NAME = "nrm_session"
    LOGIN_FAILURE_WINDOW_MINUTES = 15
    LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS = 5
    LOGIN_FAILURES_PER_ADDRESS = 20
    PASSWORD_MIN_LENGTH = 12
    PASSWORD_MAX_LENGTH = 128
    # argon2id cost; the defaults follow RFC 9106's second recommended option.
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST_KIB = 65536
    ARGON2_PARALLELISM = 4

    # Number of reverse proxies in front of the app whose X-Forwarded-* headers are trusted.
    PROXY_FIX_X_FOR = 0
    PROXY_FIX_X_PROTO = 0

    # CSRF is checked by referral.core.access for cookie sessions, not for API tokens.
    WTF_CSRF_CHECK_DEFAULT = False
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session, which has its own limits
    MAX_CONTENT_LENGTH = 1024 * 1024

    # The audit trail's HMAC key; None means "read or create instance/audit_key". Keep it
    # outside the database (and its backups), or the chain proves nothing.
    AUDIT_HMAC_KEY = os.environ.get("AUDIT_HMAC_KEY")
    # Write a signed checkpoint to instance/audit-checkpoints every N entries (0: never).
    AUDIT_CHECKPOINT_EVERY = 1000

    # Email about new notifications: off by default; the in-app notice is the record.
    MAIL_ENABLED = False
    MAIL_SERVER = "localhost"
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USERNAME = None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_SENDER = "nrm@localhost"

    # The indicator catalogue (JSON); None is the ILO/EC 2009 catalogue shipped with the app.
    INDICATOR_CATALOGUE = None


class TestConfig(Config):
    TESTING = True
    AUDIT_HMAC_KEY = "test-audit-key-not-for-production"
    SQLALCHEMY_DATABASE_URI = None
    SECRET_KEY = "test-secret-key-not-for-production"  # noqa: S105
    # Cheap hashes keep the suite fast; production keeps the defaults above.
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST_KIB = 1024
    ARGON2_PARALLELISM = 1
