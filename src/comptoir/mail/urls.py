from django.urls import path

from . import views

app_name = "mail"

urlpatterns = [
    path("preferences/", views.preferences, name="preferences"),
    path(
        "tickets/<int:number>/messages/<int:message_id>/full/",
        views.message_full,
        name="message_full",
    ),
    path("incoming/<int:pk>/original/", views.inbound_raw, name="inbound_raw"),
]
