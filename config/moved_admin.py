"""Admin addresses of models that changed app keep working: a permanent redirect from the old
app label to the new one (bookmarks, links in tickets and e-mails, the audit trail's links)."""

from django.http import HttpRequest, HttpResponsePermanentRedirect
from django.urls import re_path

MOVED = {
    # (old app label, model): new app label
    ("loans", "policyversion"): "origination",
    ("loans", "merchant"): "origination",
    ("loans", "blocklistentry"): "origination",
    ("loans", "loanapplication"): "origination",
    ("loans", "decisionrecord"): "origination",
    ("loans", "decisionstep"): "origination",
    ("loans", "creditline"): "origination",
    ("loans", "creditlimitchange"): "origination",
    ("loans", "drawdown"): "origination",
    ("compliance", "adjustmentrequest"): "loans",
    ("compliance", "auditevent"): "core",
}


def moved_admin_redirect(request: HttpRequest, app_label: str, model: str, rest: str):
    target = f"/admin/{MOVED[(app_label, model)]}/{model}/{rest}"
    query = request.META.get("QUERY_STRING", "")
    return HttpResponsePermanentRedirect(f"{target}?{query}" if query else target)


urlpatterns = [
    re_path(
        rf"^admin/(?P<app_label>{app})/(?P<model>{model})/(?P<rest>.*)$",
        moved_admin_redirect,
    )
    for app, model in MOVED
]
