from django.urls import path

from sahay.reports import draft_file_views, views

urlpatterns = [
    path("", views.report_list, name="report_list"),
    path("new/", views.report_start, name="report_start"),
    path("periods/<str:period>/<str:country>/", views.review_detail, name="review_detail"),
    path("<int:pk>/", views.report_detail, name="report_detail"),
    path("<int:pk>/approve/", views.report_approve_view, name="report_approve"),
    path("<int:pk>/new-version/", views.report_new_version_view, name="report_new_version"),
    path("<int:pk>/download/<str:file_format>/", views.report_download, name="report_download"),
    path("files/<int:pk>/", draft_file_views.report_file_job, name="report_file_job"),
    path("files/<int:pk>/download/", draft_file_views.report_file_job_download, name="report_file_job_download"),
]
