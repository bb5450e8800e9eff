"""The app's pages are shells: the template carries the translated labels and the API's
address; ``app.js`` fills them from the consumer API in the browser."""

from django.views.generic import TemplateView


def page(name: str):
    return TemplateView.as_view(
        template_name=f"borrower_app/{name}.html", extra_context={"page": name}
    )
