"""The audit actions people records. Signing in, second factors, sessions, API tokens and the
admin.
"""

from audit.actions import Action

Action.declare(
    "people",
    SIGN_IN=("sign_in", "Signed in"),
    SIGN_IN_FAILED=("sign_in_failed", "Failed to sign in"),
    LOCKED_OUT=("locked_out", "Locked out after failed sign-ins"),
    SIGN_OUT=("sign_out", "Signed out"),
    SIGN_OUT_EVERYWHERE=("sign_out_everywhere", "Signed out of every other session"),
    SESSION_EXPIRED=("session_expired", "Session reached its maximum lifetime"),
    SECOND_FACTOR_VERIFIED=("second_factor_verified", "Verified a second factor"),
    SECOND_FACTOR_FAILED=("second_factor_failed", "Entered a wrong second-factor code"),
    RECOVERY_CODE_USED=("recovery_code_used", "Used a recovery code"),
    SECOND_FACTOR_ENROLLED=("second_factor_enrolled", "Set up two-factor sign-in"),
    SECOND_FACTOR_RESET=("second_factor_reset", "Reset a person's two-factor sign-in"),
    TOKEN_CREATED=("token_created", "Created an API token"),
    TOKEN_REVOKED=("token_revoked", "Revoked an API token"),
    TOKEN_REFUSED=("token_refused", "Presented an unusable API token"),
    API_REQUEST=("api_request", "Called the API"),
    ADMIN_CHANGE=("admin_change", "Changed a record in administration"),
)
