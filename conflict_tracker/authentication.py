"""The API's token scheme (knox's tokens, conflict_tracker.tokens) in one query per request.

The token, its user and the user's roles are read together on every request, so that a revoked or expired token, a
deactivated user or a changed role takes effect at the next request. A cache of the lookup would save nothing (a
Redis round trip costs what this indexed lookup does) and could only be stale: a revoked token let through. What is
cached is the lookup's SQL: building and compiling the ORM's query cost more than running it.
"""

import binascii
import functools
from hmac import compare_digest

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox import auth as knox_auth
from knox.crypto import hash_token
from knox.models import AuthToken
from knox.settings import CONSTANTS
from rest_framework import exceptions

from conflict_tracker.compiled import compiled_sql
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
        with connection.cursor() as cursor:
            cursor.execute(_lookup_sql(), [token[: CONSTANTS.TOKEN_KEY_LENGTH]])
            rows = cursor.fetchall()
        tokens, users = len(_TOKEN_FIELDS), len(_TOKEN_FIELDS) + len(_user_fields())
        for row in rows:
            auth_token = AuthToken.from_db(connection.alias, _TOKEN_FIELDS, row[:tokens])
            if not compare_digest(digest, auth_token.digest):
                continue
            if auth_token.expiry is not None and auth_token.expiry <= timezone.now():
                break
            auth_token.user = get_user_model().from_db(connection.alias, _user_fields(), row[tokens:users])
            remember_roles(auth_token.user, row[users])
            return self.validate_user(auth_token)
        raise exceptions.AuthenticationFailed(message)


_TOKEN_FIELDS = [field.attname for field in AuthToken._meta.concrete_fields]


@functools.cache
def _user_fields() -> list[str]:
    return [field.attname for field in get_user_model()._meta.concrete_fields]


@functools.cache
def _lookup_sql() -> str:
    """The SQL of the tokens with a token key (its one parameter), each with its user's fields and role names, in the
    order of _TOKEN_FIELDS, _user_fields() and the roles: compiled by the ORM once per process."""
    query = (
        AuthToken.objects.filter(token_key="")
        .annotate(role_names=role_names(OuterRef("user")))
        .values_list(*_TOKEN_FIELDS, *(f"user__{name}" for name in _user_fields()), "role_names")
    )
    return compiled_sql(query, "")


class TokenScheme(KnoxTokenScheme):
    """The schema names the scheme as it named knox's own."""

    target_class = "conflict_tracker.authentication.TokenAuthentication"
