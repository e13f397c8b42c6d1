from django.urls import path

from sahay.imports import views

urlpatterns = [
    path("", views.import_list, name="import_list"),
    path("jobs/<int:pk>/", views.import_job, name="import_job"),
    path("jobs/<int:pk>/errors/", views.import_errors, name="import_errors"),
    path("templates/<str:kind>/", views.import_template, name="import_template"),
    path("field-forms/<str:form_id>/", views.import_xlsform, name="import_xlsform"),
]
