"""Case references that say nothing about the person and cannot be guessed or enumerated."""

import secrets

# Crockford's base32: no I, L, O or U, so a reference read aloud or copied by hand survives.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 8  # 40 random bits


def new_reference(year: int) -> str:
    return f"NRM-{year}-" + "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
