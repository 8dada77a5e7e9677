from django.contrib.auth.views import LogoutView
from django.urls import path, re_path

from web import (
    copies_views,
    intake_views,
    outgoing_review_views,
    outgoing_views,
    remote_signing_views,
    signing_views,
    views,
)

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("dang-nhap/", views.Login.as_view(), name="login"),
    path("dang-xuat/", LogoutView.as_view(), name="logout"),
    path("van-ban-den/", views.incoming_list, name="incoming_list"),
    path("van-ban-den/vao-so/", views.incoming_new, name="incoming_new"),
    path("tiep-nhan-ban-quet/", intake_views.intake_home, name="intake_home"),
    path("tiep-nhan-ban-quet/<int:pk>/", intake_views.intake_job, name="intake_job"),
    path(
        "tiep-nhan-ban-quet/<int:pk>/tien-do/", intake_views.intake_job_progress, name="intake_job_progress"
    ),
    path("tiep-nhan-ban-quet/<int:pk>/thu-lai/", intake_views.intake_job_retry, name="intake_job_retry"),
    path("tiep-nhan-ban-quet/<int:pk>/pdfa/", intake_views.intake_job_pdfa, name="intake_job_pdfa"),
    path("tiep-nhan-ban-quet/<int:pk>/vao-so/", intake_views.intake_register, name="intake_register"),
    path("van-ban-den/kiem-tra-trung/", views.duplicate_check, name="duplicate_check"),
    path("van-ban-den/<int:pk>/", views.incoming_detail, name="incoming_detail"),
    path("van-ban-den/<int:pk>/sua/", views.incoming_edit, name="incoming_edit"),
    path("van-ban-den/<int:pk>/<str:action>/", views.incoming_action, name="incoming_action"),
    path("tep/<int:pk>/", views.file_view, name="file"),
    path("tep/<int:pk>/chu-ky/", signing_views.file_signatures, name="file_signatures"),
    path("tep/<int:pk>/kiem-tra-lai/", signing_views.file_revalidate, name="file_revalidate"),
    path("chung-thu-so/", signing_views.certificates, name="certificates"),
    path("thong-ke/ky-so/", signing_views.statistics, name="signature_statistics"),
    path(
        "chung-thu-so/thiet-bi-ky/",
        signing_views.token_certificate_register,
        name="token_certificate_register",
    ),
    path("cong-cu/dieuhanh_token_sign.py", signing_views.token_tool, name="token_tool"),
    path("chung-thu-so/ky-tu-xa/", remote_signing_views.remote_settings, name="remote_settings"),
    path("ky-tu-xa/", remote_signing_views.remote_requests, name="remote_requests"),
    path("ky-tu-xa/<str:token>/", remote_signing_views.remote_confirm, name="remote_confirm"),
    path(
        "van-ban-di/<int:pk>/ky-tu-xa/",
        remote_signing_views.outgoing_remote_panel,
        name="outgoing_remote_panel",
    ),
    re_path(r"^pki/crl/(?P<name>[A-Za-z0-9][A-Za-z0-9_.-]{0,99}\.crl)$", signing_views.crl, name="crl"),
    path("qua-han/", views.overdue, name="overdue"),
    path("so/", views.registers, name="registers"),
    path("so/<int:pk>/in/", views.register_export, name="register_export"),
    path("thong-bao/", views.notifications, name="notifications"),
    path("ban-sao/", copies_views.copy_register, name="copy_register"),
    path("ban-sao/in/", copies_views.copy_register_export, name="copy_register_export"),
    path("ban-sao/<int:pk>/", copies_views.copy_detail, name="copy_detail"),
    path("ban-sao/tao/<str:kind>/<int:pk>/", copies_views.copy_new, name="copy_new"),
    path("van-ban-di/", outgoing_views.outgoing_list, name="outgoing_list"),
    path("van-ban-di/du-thao-moi/", outgoing_views.outgoing_new, name="outgoing_new"),
    path("van-ban-di/<int:pk>/", outgoing_views.outgoing_detail, name="outgoing_detail"),
    path("van-ban-di/<int:pk>/xin-y-kien/", outgoing_review_views.review_new, name="review_new"),
    path(
        "van-ban-di/<int:pk>/xin-y-kien/<int:rid>/ket-thuc/",
        outgoing_review_views.review_close,
        name="review_close",
    ),
    path("van-ban-di/<int:pk>/y-kien/", outgoing_review_views.comment_new, name="comment_new"),
    path(
        "van-ban-di/<int:pk>/y-kien/<int:cid>/tra-loi/",
        outgoing_review_views.comment_answer,
        name="comment_answer",
    ),
    path("van-ban-di/<int:pk>/so-sanh/", outgoing_review_views.compare, name="outgoing_compare"),
    path("van-ban-di/<int:pk>/ban-xem/", outgoing_views.outgoing_viewer, name="outgoing_viewer"),
    path(
        "van-ban-di/<int:pk>/sua-noi-dung/", outgoing_views.outgoing_edit_fields, name="outgoing_edit_fields"
    ),
    path("van-ban-di/<int:pk>/<str:action>/", outgoing_views.outgoing_action, name="outgoing_action"),
]
