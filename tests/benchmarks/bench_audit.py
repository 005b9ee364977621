"""Benchmark: audit-chain verification time and memory as the chain grows.

Run with `make bench`. Builds chains of increasing length in a throw-away SQLite database
(entries are made with the same canonical form and HMAC as the app's), then times
`verify_chain()` and records the peak Python memory it allocated. Memory should stay
flat however long the chain: verification streams the entries.
"""

import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import insert, update

from referral import create_app
from referral.audit.chain import verify_chain
from referral.audit.keys import audit_key
from referral.audit.models import AuditChainHead, AuditEntry
from referral.audit.trail import HEAD_ID, canonical_json, entry_hash
from referral.extensions import db

SIZES = [int(n) for n in sys.argv[1:]] or [25_000, 100_000, 200_000]
BATCH = 5_000


def grow_chain(target: int) -> None:
    """Append entries until the chain holds `target` of them."""
    head = db.session.get(AuditChainHead, HEAD_ID)
    seq, previous, key = head.seq, head.hash, audit_key()
    start = datetime(2026, 1, 1, tzinfo=UTC)
    while seq < target:
        rows = []
        for _ in range(min(BATCH, target - seq)):
            seq += 1
            at = start + timedelta(seconds=seq)
            content = {
                "seq": seq,
                "at": at.isoformat(timespec="microseconds"),
                "actor": 7,
                "role": "coordinator",
                "organisation": 1,
                "action": "case.viewed",
                "case": f"NRM-2026-{seq:08d}",
                "details": {"via": "page"},
                "request_id": None,
                "address": "127.0.0.1",
                "prev": previous,
            }
            canonical = canonical_json(content)
            digest = entry_hash(key, canonical)
            rows.append(
                dict(
                    seq=seq,
                    at=at,
                    actor_id=7,
                    actor_role="coordinator",
                    organisation_id=1,
                    action="case.viewed",
                    case_reference=content["case"],
                    canonical=canonical,
                    prev_hash=previous,
                    hash=digest,
                )
            )
            previous = digest
        db.session.execute(insert(AuditEntry), rows)
        db.session.execute(
            update(AuditChainHead)
            .where(AuditChainHead.id == HEAD_ID)
            .values(seq=seq, hash=previous)
        )
        db.session.commit()


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            "config.Config",
            INSTANCE_PATH=folder,
            SQLALCHEMY_DATABASE_URI=f"sqlite:///{Path(folder) / 'bench.db'}",
            AUDIT_HMAC_KEY="benchmark-key",
        )
        with app.app_context():
            upgrade()
            print(f"{'entries':>10} {'verify s':>9} {'entries/s':>10} {'peak MiB':>9}")
            for size in SIZES:
                grow_chain(size)
                db.session.expire_all()
                tracemalloc.start()
                began = time.perf_counter()
                result = verify_chain()
                elapsed = time.perf_counter() - began
                peak = tracemalloc.get_traced_memory()[1] / 2**20
                tracemalloc.stop()
                assert result.ok and result.entries == size, result
                print(f"{size:>10} {elapsed:>9.2f} {size / elapsed:>10.0f} {peak:>9.1f}")


if __name__ == "__main__":
    main()
