from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("activate/new/", views.activation_new, name="activation_new"),
    path("activate/<str:token>/", views.activate, name="activate"),
    path("profile/", views.profile, name="profile"),
    path("members/", views.members, name="members"),
    path("members/<int:pk>/", views.member_right, name="member_right"),
    path("manage/import/", views.customer_import, name="import"),
]
