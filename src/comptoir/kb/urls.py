from django.urls import path

from . import views, views_edit

app_name = "kb"

urlpatterns = [
    path("", views.home, name="home"),
    path("suggest/", views.suggest, name="suggest"),
    path("related/", views.related_to_ticket, name="related"),
    path("category/<slug:slug>/", views.category, name="category"),
    path("files/<str:key>/", views.file_download, name="file"),
    path("manage/", views_edit.manage, name="manage"),
    path("manage/new/", views_edit.article_new, name="article_new"),
    path("manage/<int:pk>/", views_edit.article_edit, name="article_edit"),
    path("manage/upload/", views_edit.upload_image, name="upload"),
    path("<slug:slug>/", views.article, name="article"),
    path("<slug:slug>/pdf/", views.article_pdf, name="article_pdf"),
    path("<slug:slug>/vote/", views.article_vote, name="article_vote"),
]
