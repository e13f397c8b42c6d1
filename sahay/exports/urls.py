"""URLs of the exports."""

from django.urls import path

from sahay.exports import views

urlpatterns = [
    path("", views.export_list, name="export_list"),
    path("figures/", views.export_figures, name="export_figures"),
    path("records/<str:kind>/", views.export_records, name="export_records"),
    path("identities/", views.export_identities, name="export_identities"),
    path("download/<str:token>/", views.export_download, name="export_download"),
]
