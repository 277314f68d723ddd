"""The append-only audit log (built in the audit issue). Depends on no other app."""
