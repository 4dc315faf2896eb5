"""API tokens: a researcher trades a username and password for a token, and may revoke it."""

from rest_framework import status
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle


class TokenView(ObtainAuthToken):
    """POST: the caller's token (created on first use). DELETE: revoke the token of the signed-in caller."""

    # DRF's view is not throttled at all; this one is, tightly, against password guessing.
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"

    def get_permissions(self):
        return [IsAuthenticated()] if self.request.method == "DELETE" else [AllowAny()]

    def delete(self, request):
        Token.objects.filter(user=request.user).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)
