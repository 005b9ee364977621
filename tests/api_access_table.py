API_EXPECTED: dict[str, frozenset[str]] = {}
