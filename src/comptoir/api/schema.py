"""The OpenAPI description: every operation also documents the error answers it
can give, in the one error format (see ``errors``), so that clients (and the
schema tests) know every status code to expect."""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema

from .serializers.common import ErrorSerializer

DESCRIPTIONS = {
    "400": "The request is not valid (see error.fields).",
    "401": "No credentials, or an invalid, expired or revoked token.",
    "403": "Signed in, but not allowed to do this.",
    "404": "Not found, or not visible to you.",
    "409": "Conflicts with the current state (closed ticket, reused idempotency key).",
    "413": "The request or file is too large.",
    "415": "The body is not in a format this operation reads.",
    "429": "Too many requests for this token: wait and try again (see Retry-After).",
}


class ApiAutoSchema(AutoSchema):
    def _error_codes(self) -> list[str]:
        # 401 even on public reads: a wrong token is refused wherever it is sent.
        codes = ["400", "401", "403", "404", "429"]
        if self.method in ("POST", "PUT", "PATCH"):
            codes += ["409", "413", "415"]
        return codes

    def _get_response_bodies(self, direction: str = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)  # type: ignore[arg-type]
        if direction != "response":
            return responses
        for code in self._error_codes():
            if code not in responses:
                response = self._get_response_for_code(ErrorSerializer, code, direction=direction)
                response["description"] = DESCRIPTIONS[code]
                responses[code] = response
        return responses
