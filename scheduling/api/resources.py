"""Staff API for rooms and equipment: list them, read one, make one inactive (or active again), give one
time off. A change over bookings still to come answers 409 `resource_in_use` listing them, unless
`reassign` moves every one to another free unit of its pool (scheduling/resource_changes.py), in one
transaction with the change."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from clinic_project.errors import error_body
from scheduling import resource_changes
from scheduling.api.caching import NeverCached
from scheduling.api.permissions import StaffMay
from scheduling.api.resource_serializers import ResourceInUseResponse, ResourceRecord, ResourceTimeOffRecord, hit_json
from scheduling.api.schema import INVALID, MISSING, STAFF_ONLY
from scheduling.models import Resource, ResourceTimeOff
from scheduling.resource_changes import ResourceChange, ResourceChangeRaced, ResourceInUse

IN_USE = OpenApiResponse(
    ResourceInUseResponse,
    description="The change hits bookings still to come and `reassign` was not asked, or some cannot move "
    "(`resource_in_use`); or a booking took a unit a move was going to (`resource_taken`). Nothing changed.",
)
PERMISSIONS = {
    "list": "scheduling.view_resource",
    "retrieve": "scheduling.view_resource",
    "partial_update": "scheduling.change_resource",
    "time_off": "scheduling.add_resourcetimeoff",
}


@extend_schema_view(
    list=extend_schema(
        summary="List rooms and equipment (staff)",
        responses={200: ResourceRecord(many=True), 401: STAFF_ONLY, 403: STAFF_ONLY},
    ),
    retrieve=extend_schema(
        summary="One room or piece of equipment (staff)",
        responses={200: ResourceRecord, 401: STAFF_ONLY, 403: STAFF_ONLY, 404: MISSING},
    ),
    partial_update=extend_schema(
        summary="Make a room or piece of equipment inactive, or active again (staff)",
        request=ResourceRecord,
        responses={200: ResourceRecord, 400: INVALID, 401: STAFF_ONLY, 403: STAFF_ONLY, 404: MISSING, 409: IN_USE},
    ),
)
class ResourceViewSet(NeverCached, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ResourceRecord
    lookup_field = "slug"
    lookup_url_kwarg = "resource"
    lookup_value_regex = "[-a-zA-Z0-9_]+"

    def get_permissions(self):
        return [StaffMay(PERMISSIONS.get(self.action, "scheduling.change_resource"))]

    def get_queryset(self):
        return Resource.objects.prefetch_related("pools")

    def partial_update(self, request, *args, **kwargs):
        unit = self.get_object()
        body = self.get_serializer(unit, data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        if body.validated_data.get("is_active", unit.is_active) or not unit.is_active:
            unit.is_active = body.validated_data.get("is_active", unit.is_active)
            unit.save(update_fields=["is_active"])  # active again, or no change: nothing is hit
        else:
            refused = self._apply(ResourceChange.deactivation(unit), body.validated_data.get("reassign", False))
            if refused:
                return refused
        return Response(self.get_serializer(unit).data)

    @extend_schema(
        summary="Give a room or piece of equipment time off (staff)",
        request=ResourceTimeOffRecord,
        responses={
            201: ResourceTimeOffRecord,
            400: INVALID,
            401: STAFF_ONLY,
            403: STAFF_ONLY,
            404: MISSING,
            409: IN_USE,
        },
    )
    @action(detail=True, methods=["post"], url_path="time-off", url_name="time-off")
    def time_off(self, request, *args, **kwargs):
        unit = self.get_object()
        body = ResourceTimeOffRecord(data=request.data)
        body.is_valid(raise_exception=True)
        fields = dict(body.validated_data)
        reassign = fields.pop("reassign", False)
        row = ResourceTimeOff(resource=unit, **fields)
        refused = self._apply(ResourceChange.time_off(row), reassign)
        if refused:
            return refused
        return Response(ResourceTimeOffRecord(row).data, status=status.HTTP_201_CREATED)

    def _apply(self, change: ResourceChange, reassign: bool) -> Response | None:
        """None when saved; else the 409 naming every booking hit (and which cannot move)."""
        try:
            resource_changes.apply(change, reassign=reassign)
        except ResourceInUse as refused:
            body = error_body(refused.message, refused.code)
            body["affected_bookings"] = hit_json(refused.claims, refused.stuck)
            return Response(body, status=status.HTTP_409_CONFLICT)
        except ResourceChangeRaced as raced:
            body = error_body(raced.message, raced.code)
            body["affected_bookings"] = []
            return Response(body, status=status.HTTP_409_CONFLICT)
        return None
