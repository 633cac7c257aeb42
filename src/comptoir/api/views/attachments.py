"""Files: uploaded first (a draft of the caller), then named by key when a ticket
or a reply is sent; downloaded through ``tickets.queries.access_attachment``."""

from __future__ import annotations

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from comptoir.tickets import queries
from comptoir.tickets.attachments import attachment_store

from ..idempotency import idempotent
from ..serializers.tickets import AttachmentSerializer, UploadSerializer
from .base import ApiViewMixin

KEY = OpenApiParameter("key", OpenApiTypes.UUID, OpenApiParameter.PATH)


class AttachmentViewSet(ApiViewMixin, viewsets.GenericViewSet):
    serializer_class = AttachmentSerializer
    lookup_field = "key"
    lookup_value_regex = "[0-9a-fA-F-]{32,36}"
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": UploadSerializer},
        responses={201: AttachmentSerializer},
        summary="Upload a file",
        description="The file stays a draft of yours until a ticket or a reply names its key.",
    )
    def create(self, request: Request) -> Response:
        return idempotent(request, lambda: self._create(request))

    def _create(self, request: Request) -> Response:
        form = UploadSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        upload = form.validated_data["file"]
        stored = attachment_store(file=upload, filename=upload.name or "file", user=request.user)
        return Response(AttachmentSerializer(stored).data, status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[KEY], summary="Describe a file")
    def retrieve(self, request: Request, key: str) -> Response:
        attachment = queries.access_attachment(request.user, key)
        return Response(AttachmentSerializer(attachment).data)

    @extend_schema(
        parameters=[KEY],
        responses={(200, "*/*"): OpenApiResponse(OpenApiTypes.BINARY, description="The file.")},
        summary="Download a file",
    )
    @action(detail=True, methods=["get"])
    def download(self, request: Request, key: str) -> FileResponse:
        attachment = queries.access_attachment(request.user, key)
        # The same headers as the portal's download: nothing in a file runs in our origin.
        response = FileResponse(
            attachment.file.open("rb"),
            as_attachment=not attachment.is_image,
            filename=attachment.filename,
            content_type=attachment.content_type,
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        response["Cache-Control"] = "private, max-age=3600"
        return response
