"""State machines of the referral mechanism, declared as data."""
