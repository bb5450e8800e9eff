from django.urls import path

from .views import ProductListApi, QuoteCreateApi

urlpatterns = [
    path("quotes", QuoteCreateApi.as_view(), name="quote-create"),
    path("products", ProductListApi.as_view(), name="product-list"),
]
