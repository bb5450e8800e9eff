from django.contrib import admin
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from core.api.problem import api_page_not_found

from . import moved_admin

urlpatterns = [
    # First: the API's hot paths (orders, callbacks) are resolved without trying the others.
    path("api/v1/", include("config.api_urls")),
    *moved_admin.urlpatterns,
    path("admin/", admin.site.urls),
    path("app/", include("borrower_app.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    # Last: an unknown API address is a problem+json 404 with DEBUG on too (handler404 below
    # only answers with DEBUG off). CSRF-exempt like the API's views, so that a POST to an
    # unknown address is a 404 and not the CSRF failure page.
    re_path(r"^api/", csrf_exempt(api_page_not_found)),
]

# Outside DRF's views (no route, a middleware error) API clients still get problem+json.
handler404 = "core.api.problem.api_page_not_found"
handler500 = "core.api.problem.api_server_error"
