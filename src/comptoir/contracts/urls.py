from django.urls import path

from . import views

app_name = "contracts"

urlpatterns = [
    path("", views.hours, name="hours"),
    path("statement.pdf", views.statement_pdf, name="statement_pdf"),
    path("statement.csv", views.statement_csv, name="statement_csv"),
    path("tickets/<int:number>/time/", views.time_add, name="time_add"),
    path("tickets/<int:number>/time/<int:pk>/delete/", views.time_delete, name="time_delete"),
]
