"""Throttles for the anonymous endpoints."""

from django.core.exceptions import ImproperlyConfigured
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle


class AnonQuoteThrottle(AnonRateThrottle):
    """Anonymous quotes per client address, at ``DEFAULT_THROTTLE_RATES["anon_quote"]``.

    DRF binds ``THROTTLE_RATES`` once, when its throttling module is imported; reading the rate
    on every request lets a changed setting (a test's override, a settings reload) apply. Counts
    live in the default cache: a deployment with several web processes needs a shared cache
    (e.g. Redis) for the limit to hold across them.
    """

    scope = "anon_quote"

    def get_rate(self) -> str | None:
        try:
            return api_settings.DEFAULT_THROTTLE_RATES[self.scope]
        except KeyError:
            raise ImproperlyConfigured(
                f"Set REST_FRAMEWORK['DEFAULT_THROTTLE_RATES'][{self.scope!r}]."
            ) from None
