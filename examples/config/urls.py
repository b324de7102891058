"""URL configuration: the admin at its default address (BR055, opt-in)."""
from django.contrib import admin
from django.urls import path

urlpatterns = [
    path("admin/", admin.site.urls),
]
