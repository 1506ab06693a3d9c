"""OpenAPI extensions: the partner API key scheme, filters with the bounds they are checked
against, the shared path parameter and the error responses."""

from __future__ import annotations

from typing import Any

from drf_spectacular.contrib.django_filters import DjangoFilterExtension
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


class StrictFilterExtension(DjangoFilterExtension):
    """Filters state the bounds they are checked against: a number's range, a text's maximum
    length; list-valued ones (`ordering`) need an item."""

    target_class = "crosswalk.api.filters.FilterBackend"
    priority = 1

    def resolve_filter_field(
        self, auto_schema: Any, model: Any, filterset_class: Any, field_name: str, filter_field: Any
    ) -> list[dict[str, Any]]:
        parameters = super().resolve_filter_field(
            auto_schema, model, filterset_class, field_name, filter_field
        )
        for parameter in parameters:
            schema = parameter["schema"]
            for bound, keyword in (("min_value", "minimum"), ("max_value", "maximum")):
                if filter_field.extra.get(bound) is not None:
                    schema[keyword] = filter_field.extra[bound]
            if filter_field.extra.get("max_length") is not None:
                schema["maxLength"] = filter_field.extra["max_length"]
            if schema.get("type") == "array":
                schema["minItems"] = 1
        return parameters


NOT_BLANK_NO_NUL = r"^[^\x00]*[^\s\x00][^\x00]*$"


DATETIME_OFFSET = r"([Zz]|[+-](0[0-9]|1[0-5]):[0-5][0-9])$"


def query_strings_not_empty(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Every query parameter refuses an empty value (crosswalk.filters.reject_bad_values): free
    text parameters say so with minLength, and with a pattern: at least one character that is
    not whitespace, and no NUL anywhere (what reject_bad_values refuses)."""
    from crosswalk.api.views import INCLUDES  # the views import this module

    one = "(" + "|".join(sorted(INCLUDES)) + ")"
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                if parameter["in"] == "query" and parameter["name"] == "include":
                    schema["pattern"] = f"^{one}(,{one})*$"
                if parameter["in"] == "query" and schema.get("format") == "date-time":
                    # PostgreSQL's limit on UTC offsets (crosswalk.filters).
                    schema.setdefault("pattern", DATETIME_OFFSET)
                free_text = "enum" not in schema and "format" not in schema
                if parameter["in"] == "query" and schema.get("type") == "string" and free_text:
                    schema.setdefault("minLength", 1)
                    schema.setdefault("pattern", NOT_BLANK_NO_NUL)
    return result
