"""Signing in to the API: a token for a username and password, and who the caller is."""

from django.conf import settings
from django.contrib.auth import authenticate, user_logged_in
from drf_spectacular.utils import extend_schema
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import APIException
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle, UserRateThrottle

from incidents.api.base import ApiView
from incidents.api.serializers import MeSerializer, TokenRequestSerializer, TokenSerializer
from precincts.models import Membership
from tracker.api import Refusal


class LockedOut(APIException):
    status_code = settings.AXES_HTTP_RESPONSE_CODE
    default_detail = "Too many failed sign-ins for this account from your address. Try again later."
    default_code = "locked_out"


class TokenView(ApiView):
    """POST: a username and password for the caller's API token. DELETE: revoke it."""

    api_tag = "auth"
    serializer_class = TokenSerializer
    throttle_classes = [AnonRateThrottle, UserRateThrottle, ScopedRateThrottle]
    throttle_scope = "auth"
    error_statuses = {"POST": (400,)}

    def get_authenticators(self):
        # Signing in needs no credentials but the ones in the body (and no CSRF token).
        request = getattr(self, "request", None)  # None while the schema generator sets the view up
        if request is not None and request.method == "POST":
            return []
        return super().get_authenticators()

    def get_permissions(self):
        if self.request.method == "POST":
            return [AllowAny()]
        return [IsAuthenticated()]

    @extend_schema(
        summary="Get an API token",
        description=(
            "Send it as `Authorization: Token <token>`. The same token comes back until it is revoked. "
            "After 5 failed attempts for a username from one address, sign-in is refused for a while."
        ),
        request=TokenRequestSerializer,
        responses={200: TokenSerializer},
    )
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # Through Django's authenticate() with the request, so django-axes counts failures and
        # locks out; the DRF request keeps axes' flags to itself, so the answer stays JSON.
        user = authenticate(
            request=request,
            username=serializer.validated_data["username"],
            password=serializer.validated_data["password"],
        )
        if getattr(request, "axes_locked_out", False):
            raise LockedOut()
        if user is None:
            raise Refusal("Unable to sign in with that username and password.")
        user_logged_in.send(sender=user.__class__, request=request, user=user)
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})

    @extend_schema(summary="Revoke your API token", request=None, responses={204: None})
    def delete(self, request):
        Token.objects.filter(user=request.user).delete()
        return Response(status=204)


class MeView(ApiView):
    api_tag = "auth"
    serializer_class = MeSerializer
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="Who you are, and your precincts and roles")
    def get(self, request):
        user = request.user
        memberships = Membership.objects.filter(user=user, precinct__is_active=True).select_related("precinct")
        data = {
            "id": user.pk,
            "username": user.get_username(),
            "name": user.get_full_name() or user.get_username(),
            "memberships": memberships.order_by("precinct__name"),
        }
        return Response(MeSerializer(data).data)
