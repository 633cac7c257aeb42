from django.urls import path

from .views import macros, queues, ticket, ticket_more

app_name = "desk"

urlpatterns = [
    path("", queues.queue, name="queue"),
    path("counts/", queues.counts, name="counts"),
    path("organisations/", queues.organisations, name="organisations"),
    path("go/", queues.jump, name="jump"),
    path("bulk/", queues.bulk, name="bulk"),
    path("views/", queues.view_save, name="view_save"),
    path("views/<int:view_id>/delete/", queues.view_delete, name="view_delete"),
    path("away/", queues.away, name="away"),
    path("tickets/<int:number>/", ticket.ticket_detail, name="ticket"),
    path("tickets/<int:number>/reply/", ticket.reply, name="reply"),
    path("tickets/<int:number>/fields/", ticket.requalify, name="requalify"),
    path("tickets/<int:number>/assign/", ticket.assign, name="assign"),
    path("tickets/<int:number>/status/", ticket.change_status, name="status"),
    path("tickets/<int:number>/merge/", ticket_more.merge, name="merge"),
    path("tickets/<int:number>/follow/", ticket_more.follow, name="follow"),
    path("tickets/<int:number>/links/", ticket_more.link_add, name="link_add"),
    path(
        "tickets/<int:number>/links/<int:other>/delete/",
        ticket_more.link_remove,
        name="link_remove",
    ),
    path("tickets/<int:number>/presence/", ticket_more.presence, name="presence"),
    path("macros/", macros.macro_list, name="macros"),
    path("macros/new/", macros.macro_edit, name="macro_new"),
    path("macros/<int:pk>/", macros.macro_edit, name="macro_edit"),
    path("macros/<int:pk>/delete/", macros.macro_delete, name="macro_delete"),
]
