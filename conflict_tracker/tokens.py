"""API tokens (django-rest-knox): a researcher trades a username and password for a token, lists and revokes them.

A user may hold several tokens (one per script or machine). Only a hash of each token is stored; the token itself
is shown once, when it is created, and is recognised afterwards by its first characters (`token_key`), which are
safe to show. Each token expires after REST_KNOX["TOKEN_TTL"] unless that is None.

A request with a token costs one query (conflict_tracker.authentication).

    POST   /api/v1/auth/token/               username + password -> a new token (throttled: the "auth" rate;
                                             locked out per username and address after AXES_FAILURE_LIMIT failures)
    DELETE /api/v1/auth/token/               revoke the token the request is made with
    GET    /api/v1/auth/tokens/              the caller's live tokens, never the secrets
    DELETE /api/v1/auth/tokens/              revoke all the caller's tokens
    DELETE /api/v1/auth/tokens/<token_key>/  revoke one of them
"""

from django.contrib.auth import authenticate, user_logged_in
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from knox.models import AuthToken
from knox.settings import knox_settings
from rest_framework import generics, serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from conflict_tracker.authentication import TokenAuthentication
from conflict_tracker.lockout import check_not_locked_out
from conflict_tracker.throttling import ScopedRateThrottle

TAGS = ["auth"]
REVOKED = OpenApiResponse(description="Revoked.")


def token_create(*, user: User) -> tuple[AuthToken, str]:
    """A new token for the user, with the configured expiry; returns the row and the token, which is never stored.
    The user's expired tokens, which no longer authenticate, are deleted on the way."""
    with transaction.atomic():
        # Locks the user's row so that concurrent sign-ins cannot together pass the per-user limit.
        User.objects.select_for_update().get(pk=user.pk)
        AuthToken.objects.filter(user=user, expiry__lte=timezone.now()).delete()
        limit = knox_settings.TOKEN_LIMIT_PER_USER
        if limit is not None and live_tokens(user=user).count() >= limit:
            raise PermissionDenied(
                _("You already hold %(limit)d API tokens, the most allowed; revoke one first.") % {"limit": limit}
            )
        return AuthToken.objects.create(user=user)


def token_revoke(*, user: User, token_key: str) -> None:
    """Revokes one of the user's tokens; someone else's token is as unknown as one that never existed."""
    deleted, _rows = AuthToken.objects.filter(user=user, token_key=token_key).delete()
    if not deleted:
        raise Http404(_("You hold no token with this key."))


def token_revoke_all(*, user: User) -> int:
    """Revokes every token of the user (a leaked laptop, a rotated script); returns how many there were."""
    deleted, _rows = AuthToken.objects.filter(user=user).delete()
    return deleted


def live_tokens(*, user: User) -> QuerySet[AuthToken]:
    """The user's tokens that have not expired (expired ones are deleted only when the user next signs in)."""
    return AuthToken.objects.filter(Q(expiry__isnull=True) | Q(expiry__gt=timezone.now()), user=user)


class TokenRequestSerializer(serializers.Serializer):
    # As long as a username can be (the lockout records failures per username, in a column of this size).
    username = serializers.CharField(max_length=User._meta.get_field("username").max_length)
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False, write_only=True)

    default_error_messages = {
        # The same answer for an unknown user, a wrong password and an inactive account: nothing to enumerate.
        "invalid_credentials": gettext_lazy("The username and password do not match an active account."),
    }

    def validate(self, attrs):
        request = self.context["request"]
        user = authenticate(request, username=attrs["username"], password=attrs["password"])
        if user is None:
            check_not_locked_out(request)
            self.fail("invalid_credentials")
        return {"user": user}


class AuthTokenSerializer(serializers.ModelSerializer):
    """A token as it can be shown at any time: its key (the first characters), never the secret."""

    current = serializers.SerializerMethodField(help_text="Whether this request was made with this token.")

    class Meta:
        model = AuthToken
        fields = ["token_key", "created", "expiry", "current"]
        read_only_fields = fields
        extra_kwargs = {
            "token_key": {"help_text": "The token's first characters: enough to recognise and revoke it."},
            "expiry": {"help_text": "When the token stops working; null if it never expires."},
        }

    def get_current(self, token: AuthToken) -> bool:
        auth = self.context["request"].auth
        return isinstance(auth, AuthToken) and auth.pk == token.pk


class NewAuthTokenSerializer(serializers.ModelSerializer):
    """A token just created: the only time the secret itself is shown."""

    token = serializers.SerializerMethodField(help_text='The secret: send it as "Authorization: Token <token>".')

    class Meta:
        model = AuthToken
        fields = ["token", "token_key", "created", "expiry"]
        read_only_fields = fields
        extra_kwargs = AuthTokenSerializer.Meta.extra_kwargs

    def get_token(self, token: AuthToken) -> str:
        return self.context["token"]


class TokenView(APIView):
    """POST: a new token for a username and password. DELETE: revoke the token this request is made with."""

    # Guessing passwords here costs the tight "auth" rate, per client address, and the login lockout.
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"

    def get_authenticators(self):
        # Signing in reads the credentials from the body alone: a stale token or a browser session sent along
        # must not turn it into a 401 or a CSRF failure. Revoking "this token" needs the token.
        # (The schema generator asks once before it gives the view a request.)
        if getattr(self, "request", None) is not None and self.request.method == "POST":
            return []
        return [TokenAuthentication()]

    def get_permissions(self):
        return [AllowAny()] if self.request.method == "POST" else [IsAuthenticated()]

    @extend_schema(
        tags=TAGS,
        operation_id="auth_token_obtain",
        request=TokenRequestSerializer,
        responses={201: NewAuthTokenSerializer},
        description="A new token for this username and password; the token is shown in this answer only.",
    )
    def post(self, request):
        credentials = TokenRequestSerializer(data=request.data, context={"request": request})
        credentials.is_valid(raise_exception=True)
        user = credentials.validated_data["user"]
        token, secret = token_create(user=user)
        user_logged_in.send(sender=user.__class__, request=request, user=user)
        data = NewAuthTokenSerializer(token, context={"request": request, "token": secret}).data
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(
        tags=TAGS,
        operation_id="auth_token_revoke_current",
        request=None,
        responses={204: REVOKED},
        description="Revoke the token this request is made with (a sign-out for scripts).",
    )
    def delete(self, request):
        token_revoke(user=request.user, token_key=request.auth.token_key)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokenListView(generics.ListAPIView):
    """GET: the caller's live tokens, newest first. DELETE: revoke them all."""

    serializer_class = AuthTokenSerializer
    permission_classes = [IsAuthenticated]
    # A handful of tokens at most (REST_KNOX["TOKEN_LIMIT_PER_USER"]): one short list, no pages.
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return AuthToken.objects.none()
        return live_tokens(user=self.request.user).order_by("-created", "token_key")

    @extend_schema(
        tags=TAGS,
        operation_id="auth_tokens_list",
        description="The caller's live tokens, newest first, without secrets.",
    )
    def get(self, request):
        return self.list(request)

    @extend_schema(
        tags=TAGS,
        operation_id="auth_tokens_revoke_all",
        request=None,
        responses={204: REVOKED},
        description="Revoke every token of the caller.",
    )
    def delete(self, request):
        token_revoke_all(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokenDetailView(APIView):
    """DELETE: revoke one of the caller's tokens, named by its key."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        operation_id="auth_tokens_revoke",
        request=None,
        responses={204: REVOKED},
        description="Revoke one of the caller's tokens, named by its `token_key`.",
    )
    def delete(self, request, token_key: str):
        token_revoke(user=request.user, token_key=token_key)
        return Response(status=status.HTTP_204_NO_CONTENT)
