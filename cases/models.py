"""Children, cases and their chronology (built in the shared case record issue)."""
