from django.urls import path

from .api import EventStream

urlpatterns = [path("events", EventStream.as_view(), name="event-stream")]
