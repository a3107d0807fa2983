from accounts.permissions import has_capability
from accounts.scoping import CLIENT, effective_role
from bpo_portal.api import ModelSerializer, ScopedViewSet
from clients.models import Client
from clients.services import CLIENT_FIELDS, client_create, client_update


class ClientSerializer(ModelSerializer):
    class Meta:
        model = Client
        fields = CLIENT_FIELDS

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        # The contract's money is for the BPO's managers and the client itself, not floor staff.
        role = effective_role(request.user) if request else None
        if role is not None and not (has_capability(request.user, "clients.manage") or role == CLIENT):
            fields.pop("monthly_fee")
            fields.pop("currency")
            fields.pop("credit_cap_percent")
        return fields

    def create(self, validated_data):
        return client_create(actor=self.context["request"].user, **validated_data)

    def update(self, instance, validated_data):
        return client_update(actor=self.context["request"].user, client=instance, **validated_data)


class ClientViewSet(ScopedViewSet):
    """Clients of the BPO (the tenants), addressed by code."""

    queryset = Client.objects.all()
    serializer_class = ClientSerializer
    capabilities = {"list": "clients.view", "retrieve": "clients.view"}
    capability = "clients.manage"
    filterset_fields = ["active"]
