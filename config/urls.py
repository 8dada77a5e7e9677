from django.contrib import admin
from django.urls import include, path

from api.urls import api

admin.site.site_header = "dieuhanh — Quản trị hệ thống"
admin.site.site_title = "dieuhanh"
admin.site.index_title = "Quản trị"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("exchange/", include("exchange.urls")),
    path("", include("web.urls")),
]
