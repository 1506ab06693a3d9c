"""Partner API keys (`Authorization: Api-Key <key>`): a bad key is a 401, never anonymous."""

from __future__ import annotations

import datetime

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from rest_framework import authentication, exceptions
from rest_framework.request import Request
from rest_framework_api_key.permissions import KeyParser

from crosswalk.models import PartnerAPIKey

# Recording every use would write on every read; once a minute per key is enough to audit.
LAST_USE_RESOLUTION = datetime.timedelta(minutes=1)


class PartnerAPIKeyAuthentication(authentication.BaseAuthentication):
    keyword = KeyParser.keyword

    def authenticate(self, request: Request) -> tuple[AnonymousUser, PartnerAPIKey] | None:
        key = KeyParser().get(request)
        if key is None:
            return None
        try:
            api_key = PartnerAPIKey.objects.get_from_key(key)
        except PartnerAPIKey.DoesNotExist:
            api_key = None
        # is_valid() only checks the hash: expiry is a separate property.
        if api_key is None or api_key.has_expired or not api_key.is_valid(key):
            raise exceptions.AuthenticationFailed("Invalid, revoked or expired API key.")
        now = timezone.now()
        if api_key.last_used_at is None or now - api_key.last_used_at > LAST_USE_RESOLUTION:
            PartnerAPIKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        return AnonymousUser(), api_key

    def authenticate_header(self, request: Request) -> str:
        return self.keyword
