"""JSON API v1. Token (or session) authentication; the same operations and checks as the pages."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
