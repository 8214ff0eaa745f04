"""The staff API for webhook endpoints: `/api/calendly/webhooks`. The secret is shown when an endpoint is
registered and when it is rotated, never in a list."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from scheduling.api.fields import StrictCharField
from scheduling.api.permissions import StaffMay
from scheduling.api.serializers import ErrorResponse
from webhooks import network
from webhooks.models import Endpoint, EventType

INVALID = OpenApiResponse(ErrorResponse, description="The request names a field that is wrong, and why.")
STAFF_ONLY = OpenApiResponse(ErrorResponse, description="A staff login (token or session) is required.")
MISSING = OpenApiResponse(ErrorResponse, description="No such endpoint.")


class EndpointRequest(serializers.Serializer):
    url = serializers.URLField(max_length=2000, help_text="Where deliveries are POSTed: http:// or https://.")
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=EventType.choices),
        allow_empty=False,
        max_length=len(EventType.choices),
        help_text="The booking events to receive.",
    )
    description = StrictCharField(max_length=200, required=False, allow_blank=True)

    def validate_url(self, url: str) -> str:
        try:
            network.check_url(url)
        except network.Refused as refused:
            raise serializers.ValidationError(str(refused)) from None
        return url

    def validate_events(self, events: list[str]) -> list[str]:
        if len(set(events)) != len(events):
            raise serializers.ValidationError("Each event type may appear once.")
        return events


class EndpointSerializer(serializers.ModelSerializer):
    class Meta:
        model = Endpoint
        fields = [
            "id",
            "url",
            "events",
            "description",
            "is_active",
            "disabled_reason",
            "created_at",
            "previous_secret_expires_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "events": {"help_text": "The booking events this endpoint receives."},
            "previous_secret_expires_at": {"help_text": "Until then the previous secret signs too (after a rotation)."},
            "disabled_reason": {"help_text": "Why deliveries stopped, when is_active is false."},
        }

    events = serializers.ListField(child=serializers.ChoiceField(choices=EventType.choices))


class EndpointWithSecret(EndpointSerializer):
    secret = serializers.CharField(help_text="whsec_… : the signing secret. Shown now only; keep it safe.")

    class Meta(EndpointSerializer.Meta):
        fields = [*EndpointSerializer.Meta.fields, "secret"]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(
        summary="Webhook endpoints", responses={200: EndpointSerializer(many=True), 401: STAFF_ONLY, 403: STAFF_ONLY}
    ),
    retrieve=extend_schema(
        summary="One webhook endpoint",
        responses={200: EndpointSerializer, 401: STAFF_ONLY, 403: STAFF_ONLY, 404: MISSING},
    ),
    destroy=extend_schema(
        summary="Remove a webhook endpoint", responses={204: None, 401: STAFF_ONLY, 403: STAFF_ONLY, 404: MISSING}
    ),
)
class EndpointViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """Staff register the URLs that receive booking events, signed per the Standard Webhooks scheme."""

    queryset = Endpoint.objects.all()
    serializer_class = EndpointSerializer
    pagination_class = None
    # The model permission each action asks of staff, as the admin's endpoint pages ask it.
    STAFF_PERMISSIONS = {
        "list": "webhooks.view_endpoint",
        "retrieve": "webhooks.view_endpoint",
        "create": "webhooks.add_endpoint",
        "rotate": "webhooks.change_endpoint",
        "destroy": "webhooks.delete_endpoint",
    }

    def get_permissions(self):
        # An action not listed (an OPTIONS request, a method the route lacks) still needs a staff login.
        return [StaffMay(self.STAFF_PERMISSIONS.get(self.action, "webhooks.view_endpoint"))]

    @extend_schema(
        summary="Register a webhook endpoint",
        request=EndpointRequest,
        responses={201: EndpointWithSecret, 400: INVALID, 401: STAFF_ONLY, 403: STAFF_ONLY},
    )
    def create(self, request):
        requested = EndpointRequest(data=request.data)
        requested.is_valid(raise_exception=True)
        endpoint = Endpoint.objects.create(**requested.validated_data)
        return Response(EndpointWithSecret(endpoint).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Issue a new signing secret",
        description="The previous secret keeps signing beside the new one for 24 hours, so receivers can switch.",
        request=None,
        responses={200: EndpointWithSecret, 401: STAFF_ONLY, 403: STAFF_ONLY, 404: MISSING},
    )
    @action(detail=True, methods=["post"])
    def rotate(self, request, pk=None):
        endpoint = self.get_object()
        endpoint.rotate_secret()
        return Response(EndpointWithSecret(endpoint).data)


router = SimpleRouter(trailing_slash=False)
router.register("webhooks", EndpointViewSet, basename="webhook")
urlpatterns = router.urls
