"""Extract: everything that reads from outside (intake folders, sheets, profiles, remote services)."""
