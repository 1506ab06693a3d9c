"""OpenAPI extensions: the partner API key scheme and the shared path parameter."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

from crosswalk.api.serializers import ErrorSerializer

# Every operation documents the one error shape for these.
ERRORS = {code: ErrorSerializer for code in (400, 401, 403, 404, 429)}


class PartnerAPIKeyScheme(OpenApiAuthenticationExtension):
    target_class = "crosswalk.api.authentication.PartnerAPIKeyAuthentication"
    name = "PartnerAPIKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "A partner agency's key, created in the admin and shown once: send "
                "`Authorization: Api-Key <key>`. A wrong, revoked or expired key is a 401."
            ),
        }


def key_parameter(natural: str, example: str) -> OpenApiParameter:
    return OpenApiParameter(
        "key",
        OpenApiTypes.STR,
        OpenApiParameter.PATH,
        description=f"The {natural} (e.g. `{example}`) or the numeric id.",
    )
