"""The staff API (v1). Views are thin: access check, serializer validation, one call."""

from django.http import Http404
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from incidents.models import Incident
from incidents.services.posts import check_post_body
from precincts import access


class CheckRequestSerializer(serializers.Serializer):
    text = serializers.CharField(allow_blank=True, trim_whitespace=False, max_length=5000)
    incident = serializers.IntegerField(allow_null=True, required=False, min_value=1)


class PostCheckView(APIView):
    """Run the draft checker on a text, with the linked report's private details (staff only)."""

    def post(self, request):
        if not access.precinct_ids_for(request.user):
            raise PermissionDenied("Only precinct staff can use the draft checker.")
        serializer = CheckRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        incident = None
        if incident_id := serializer.validated_data.get("incident"):
            incident = Incident.objects.filter(
                pk=incident_id, precinct_id__in=access.precinct_ids_for(request.user)
            ).first()
            if incident is None:
                raise Http404
        return Response(check_post_body(serializer.validated_data["text"], incident).as_dict())
