"""How a locked-out sign-in is answered (django-axes counts the failures, per username and address).

The pages (/accounts/login/, /admin/login/) get axes' middleware answer, which renders `locked_out_page`; the API
token endpoint hands axes a DRF request, which that middleware never sees, so it asks `check_not_locked_out` after a
failed `authenticate` and answers in the API's error shape."""

from axes.helpers import get_cool_off, get_lockout_message
from django.shortcuts import render
from rest_framework import exceptions


def _retry_after(request) -> int | None:
    cool_off = get_cool_off(request)
    return int(cool_off.total_seconds()) if cool_off else None


def locked_out_page(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the sign-in pages' answer, a 429 page saying why and what to do."""
    response = render(request, "registration/locked_out.html", {"message": get_lockout_message()}, status=429)
    if (seconds := _retry_after(request)) is not None:
        response["Retry-After"] = str(seconds)
    return response


class LockedOut(exceptions.Throttled):
    """429: too many failed sign-ins for this username from this address; Retry-After is the cool-off."""

    default_code = "locked_out"


def check_not_locked_out(request) -> None:
    """Raises LockedOut if the last `authenticate(request, ...)` failed because axes locked the client out."""
    if getattr(request, "axes_locked_out", False):
        raise LockedOut(wait=_retry_after(request), detail=str(get_lockout_message()))
