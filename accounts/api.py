from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth.password_validation import password_validators_help_texts
from rest_framework import serializers, status
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.lockout import LOCKED_MESSAGE, retry_after_seconds
from accounts.models import Role, User, linked_model
from accounts.services import user_create
from bpo_portal.api import ModelSerializer, ScopedSlugRelatedField, ScopedViewSet
from bpo_portal.throttling import TokenRateThrottle
from clients.models import Client

# The agent record and the processes a login is linked to, through User's relations.
Agent = linked_model("agent")
Process = linked_model("assigned_processes")


class UserSerializer(ModelSerializer):
    password = serializers.CharField(
        write_only=True, style={"input_type": "password"}, help_text=" ".join(password_validators_help_texts())
    )
    role = serializers.ChoiceField(choices=Role.choices)
    client = ScopedSlugRelatedField(
        model=Client, allow_null=True, required=False, help_text="Client code; required for role client."
    )
    agent = ScopedSlugRelatedField(
        model=Agent, allow_null=True, required=False, help_text="Agent code; for role agent."
    )
    clients = ScopedSlugRelatedField(
        model=Client,
        source="assigned_clients",
        many=True,
        required=False,
        help_text="For role ops_manager: the clients they are limited to (empty = all).",
    )
    processes = ScopedSlugRelatedField(
        model=Process,
        source="assigned_processes",
        many=True,
        required=False,
        help_text="For role qa_analyst: the processes they audit.",
    )

    class Meta:
        model = User
        fields = [
            "username",
            "password",
            "role",
            "client",
            "agent",
            "email",
            "first_name",
            "last_name",
            "clients",
            "processes",
            "is_active",
        ]
        read_only_fields = ["is_active"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["role"] = "admin" if instance.is_superuser else instance.role
        return data

    def create(self, validated_data):
        validated_data["clients"] = validated_data.pop("assigned_clients", [])
        validated_data["processes"] = validated_data.pop("assigned_processes", [])
        return user_create(actor=self.context["request"].user, **validated_data)


class UserViewSet(ScopedViewSet):
    """Portal logins and their roles (GET, POST). Passwords are write-only."""

    queryset = User.objects.select_related("client", "agent").prefetch_related("assigned_clients", "assigned_processes")
    serializer_class = UserSerializer
    lookup_field = "username"
    lookup_value_regex = r"[\w.@+-]+"
    http_method_names = ["get", "post", "head", "options"]
    capabilities = {"list": "users.view", "retrieve": "users.view"}
    capability = "users.manage"
    filterset_fields = ["role", "is_active"]


class TokenView(ObtainAuthToken):
    """Exchange a username and password for an API token.

    Failed attempts count towards the same django-axes lockout as the sign-in page (accounts/lockout.py):
    a locked-out username, address, or pair of them get 429 with Retry-After until the cool-off ends,
    even with the right password. Requests are also limited per address (rate "auth-token").
    """

    public = True
    throttle_classes = [TokenRateThrottle]
    # The API's parsers (ObtainAuthToken names DRF's plain ones): size, nesting and NUL limits.
    parser_classes = APIView.parser_classes

    def post(self, request, *args, **kwargs):
        if not isinstance(request.data, dict):  # e.g. a JSON array: not a 500 from .get below
            raise ValidationError({"non_field_errors": ["Send an object with username and password."]})
        credentials = {"username": request.data.get("username", "")}
        if not AxesProxyHandler.is_allowed(request._request, credentials):
            seconds = retry_after_seconds(request._request)
            return Response(
                {"detail": f"{LOCKED_MESSAGE} Retry after {seconds} s.", "retry_after_seconds": seconds},
                status=status.HTTP_429_TOO_MANY_REQUESTS,
                headers={"Retry-After": str(seconds)},
            )
        return super().post(request, *args, **kwargs)
