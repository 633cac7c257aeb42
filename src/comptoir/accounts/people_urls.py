"""The people of a ticket's conversation, under the portal's ticket addresses."""

from django.urls import path

from . import views

app_name = "people"

urlpatterns = [
    path("<int:number>/people/add/", views.participant_add, name="add"),
    path("<int:number>/people/<int:user_id>/remove/", views.participant_remove, name="remove"),
]
