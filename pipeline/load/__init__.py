"""Load: everything that writes (feed folders, state store)."""
