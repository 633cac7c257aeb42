from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("tickets/", views.ticket_list, name="tickets"),
    path("tickets/new/", views.ticket_new, name="ticket_new"),
    path("tickets/<int:number>/", views.ticket_detail, name="ticket"),
    path("tickets/<int:number>/reply/", views.ticket_reply, name="ticket_reply"),
    path("tickets/<int:number>/close/", views.ticket_close, name="ticket_close"),
    path("tickets/<int:number>/messages/<int:message_id>/", views.message_detail, name="message"),
    path("go/", views.jump, name="jump"),
]
