"""Database binding and the request's unit of work: the one place that commits."""

import sqlite3

from flask import Flask, Response
from sqlalchemy import event
from sqlalchemy.engine import Engine

from referral.extensions import db


def init_database(app: Flask) -> None:
    # Copied: the dict in config.py is shared by every app made from that class.
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        options["connect_args"] = {**options.get("connect_args", {}), "timeout": 30}
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    db.init_app(app)
    app.after_request(_commit_unit_of_work)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()
        # Let SQLAlchemy's "begin" event issue BEGIN itself (the driver's is deferred).
        dbapi_connection.isolation_level = None


@event.listens_for(Engine, "begin")
def _sqlite_begin_immediate(connection) -> None:
    """On SQLite every transaction takes the write lock at once.

    Nearly every request writes (sessions, and the audit trail records reads), and a
    deferred transaction that reads and then writes fails outright when another writer
    got in between. Taking the lock first makes concurrent requests queue instead, and
    each then reads the data the previous one committed.
    """
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def discard_changes() -> None:
    """Throw away what this request changed; nothing half-written reaches the database."""
    db.session.rollback()


def _commit_unit_of_work(response: Response) -> Response:
    # Server errors roll back (Flask-SQLAlchemy removes the session at teardown);
    # everything else commits what the operations flushed, including records of
    # refusals, which must survive the refusal itself.
    if response.status_code >= 500:
        db.session.rollback()
    else:
        db.session.commit()
    return response
