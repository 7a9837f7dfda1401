"""Checks of our own for `make fuzz` (loaded through SCHEMATHESIS_HOOKS)."""
import schemathesis


@schemathesis.check
def error_envelope(ctx, response, case):
    """Every 4xx and 5xx answer is our error envelope: {"error": {"code": "...", "message": "..."}}."""
    if response.status_code < 400:
        return None
    try:
        body = response.json()
    except Exception:
        raise AssertionError(f"{response.status_code} without a JSON body: {response.text[:200]!r}")
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict) or not isinstance(error.get("message"), str) or not isinstance(error.get("code"), str):
        raise AssertionError(f"{response.status_code} outside the error envelope: {response.text[:200]!r}")
    return None
