from django.urls import path

from . import views

app_name = "borrower_app"

urlpatterns = [
    path("", views.page("home"), name="home"),
    path("quote/", views.page("quote"), name="quote"),
    path("loans/<int:loan_id>/", views.page("loan"), name="loan"),
    path("credit/", views.page("credit"), name="credit"),
]
