"""URLs of the record pages. Records are addressed by opaque random ids, never by codes or names."""

from django.urls import path

from sahay.records.views import activities, duplicates, erasure, others, people

urlpatterns = [
    path("people/", people.people, name="person_list"),
    path("people/new/", people.person_create, name="person_create"),
    path("people/erase/", erasure.person_erase_find, name="person_erase_find"),
    path("duplicates/", duplicates.duplicate_list, name="duplicate_list"),
    path("merges/<int:pk>/undo/", duplicates.person_merge_undo, name="person_merge_undo"),
    path("people/<str:keep_id>/merge/<str:merge_id>/", duplicates.person_merge, name="person_merge"),
    path("people/<str:public_id>/", people.person_edit, name="person_edit"),
    path("people/<str:public_id>/erase/", erasure.person_erase_confirm, name="person_erase"),
    path("households/", people.households, name="household_list"),
    path("households/new/", people.household_edit, name="household_create"),
    path("households/<str:public_id>/", people.household_edit, name="household_edit"),
    path("activities/", activities.activities, name="activity_list"),
    path("activities/new/", activities.activity_edit, name="activity_create"),
    path("activities/<str:public_id>/", activities.activity_edit, name="activity_edit"),
    path("activities/<str:public_id>/participants/", activities.activity_participants, name="activity_participants"),
    path(
        "activities/<str:public_id>/participants/<str:person_public_id>/remove/",
        activities.participation_delete,
        name="participation_delete",
    ),
    path("activities/<str:public_id>/reach/", activities.reach_add, name="reach_add"),
    path("services/", others.services, name="service_list"),
    path("services/new/", others.service_edit, name="service_create"),
    path("services/<str:public_id>/", others.service_edit, name="service_edit"),
    path("organisations/", others.external_organisations, name="external_list"),
    path("organisations/new/", others.external_organisation_edit, name="external_create"),
    path("organisations/<int:pk>/", others.external_organisation_edit, name="external_edit"),
    path("items/", others.tracked_items, name="item_list"),
    path("items/new/", others.tracked_item_create, name="item_create"),
    path("items/<str:public_id>/", others.tracked_item_edit, name="item_edit"),
]
