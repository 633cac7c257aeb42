from django.urls import path

from . import views

app_name = "integrations"

urlpatterns = [
    path("enter/", views.enter, name="enter"),
    path("embed.js", views.embed_js, name="embed_js"),
]
