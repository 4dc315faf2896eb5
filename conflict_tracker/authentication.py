"""The API's token scheme (knox's tokens, conflict_tracker.tokens) in one query per request.

The token, its user and the user's roles are read together on every request, so that a revoked or expired token, a
deactivated user or a changed role takes effect at the next request. A cache of the lookup would save nothing (a
Redis round trip costs what this indexed lookup does) and could only be stale: a revoked token let through.
"""

import binascii
from hmac import compare_digest

from django.db.models import OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox import auth as knox_auth
from knox.crypto import hash_token
from knox.models import AuthToken
from knox.settings import CONSTANTS
from rest_framework import exceptions

from conflict_tracker.roles import remember_roles, role_names


class TokenAuthentication(knox_auth.TokenAuthentication):
    """knox's token scheme in one query: the token, its user and the user's roles (which the role checks then read
    without a query of their own). knox read the user's other tokens as well, to delete the expired ones, and the
    roles came later in a third query; expired tokens are pruned when their owner next signs in (`token_create`)."""

    def authenticate_credentials(self, token: bytes):
        message = _("Invalid token.")
        try:
            token = token.decode("utf-8")
            digest = hash_token(token)
        except (UnicodeDecodeError, TypeError, binascii.Error):
            # knox let a token that is not UTF-8 through to a 500.
            raise exceptions.AuthenticationFailed(message) from None
        candidates = (
            AuthToken.objects.filter(token_key=token[: CONSTANTS.TOKEN_KEY_LENGTH])
            .select_related("user")
            .annotate(role_names=role_names(OuterRef("user")))
        )
        for auth_token in candidates:
            if not compare_digest(digest, auth_token.digest):
                continue
            if auth_token.expiry is not None and auth_token.expiry <= timezone.now():
                break
            remember_roles(auth_token.user, auth_token.role_names)
            return self.validate_user(auth_token)
        raise exceptions.AuthenticationFailed(message)


class TokenScheme(KnoxTokenScheme):
    """The schema names the scheme as it named knox's own."""

    target_class = "conflict_tracker.authentication.TokenAuthentication"
