from django.urls import path

from . import views_export, views_reports, views_survey

app_name = "reports"

urlpatterns = [
    path("", views_reports.dashboard, name="dashboard"),
    path("tables/<slug:key>.csv", views_reports.table_csv, name="table_csv"),
    path("survey/<str:token>/", views_survey.survey_link, name="survey"),
    path("tickets/<int:number>/survey/", views_survey.ticket_survey, name="ticket_survey"),
    path("exports/new/", views_export.export_new, name="export_new"),
    path("exports/<str:key>/", views_export.export_job, name="export_job"),
    path("exports/<str:key>/download/", views_export.export_job_download, name="export_download"),
]
