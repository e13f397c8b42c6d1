"""Every page of Sahay. Anything not marked otherwise requires sign-in (LoginRequiredMiddleware)."""

from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from sahay.accounts import access_views, password_views, session_views
from sahay.accounts import views as account_views
from sahay.accounts.middleware import second_factor_not_required
from sahay.core import health
from sahay.core import views as core_views
from sahay.figures import views as figure_views
from sahay.frameworks import views as framework_views

urlpatterns = [
    path("", figure_views.dashboard, name="dashboard"),
    path("countries/<str:code>/", figure_views.country_detail, name="country_detail"),
    path("figures/entries/", figure_views.entry_list, name="entry_list"),
    path("figures/<str:code>/records/", figure_views.figure_records, name="figure_records"),
    path("figures/entries/new/", figure_views.entry_edit, name="entry_create"),
    path("figures/entries/<int:pk>/", figure_views.entry_edit, name="entry_edit"),
    path("framework/indicators/", framework_views.indicator_reference, name="indicator_reference"),
    path("framework/targets/", framework_views.target_overview, name="target_overview"),
    path("framework/targets/new/", framework_views.target_create, name="target_create"),
    path("framework/targets/<int:pk>/", framework_views.target_edit, name="target_edit"),
    path("records/", include("sahay.records.urls")),
    path("cases/", include("sahay.cases.urls")),
    path("organisations/", core_views.organisation_list, name="organisation_list"),
    path("areas/", core_views.area_list, name="area_list"),
    path("areas/new/", core_views.area_new, name="area_create"),
    path("users/", account_views.user_list, name="user_list"),
    path("users/new/", account_views.user_edit, name="user_create"),
    path("users/<int:pk>/", account_views.user_edit, name="user_edit"),
    path("users/<int:pk>/activation/", account_views.user_activation, name="user_activation"),
    path("users/<int:pk>/password/", password_views.user_password, name="user_password"),
    path("users/access/", access_views.access_confirmation_list, name="access_confirmations"),
    path("users/access/<int:pk>/", access_views.access_confirmation_decide, name="access_confirmation_decide"),
    path("sign-in/welcome/<uidb64>/<token>/", password_views.InvitationView.as_view(), name="invitation_accept"),
    path("sign-in/forgot/", password_views.ForgotPasswordView.as_view(), name="password_reset"),
    path("sign-in/forgot/sent/", password_views.ForgotPasswordSentView.as_view(), name="password_reset_done"),
    path(
        "sign-in/new-password/<uidb64>/<token>/",
        password_views.NewPasswordView.as_view(),
        name="password_reset_confirm",
    ),
    path("sign-in/new-password/done/", password_views.NewPasswordSetView.as_view(), name="password_reset_complete"),
    path("users/<int:pk>/sessions/end/", session_views.user_sessions_end_view, name="user_sessions_end"),
    path("account/sessions/", session_views.session_list_view, name="session_list"),
    path("account/sessions/<int:session_id>/end/", session_views.session_end_view, name="session_end"),
    path("session/keep-alive/", session_views.session_keepalive, name="session_keepalive"),
    path("audit/", include("sahay.audit.urls")),
    path("reports/", include("sahay.reports.urls")),
    path("exports/", include("sahay.exports.urls")),
    path("imports/", include("sahay.imports.urls")),
    path("api/", include("sahay.api.urls")),
    path("sign-in/", login_not_required(account_views.SignInView.as_view()), name="login"),
    path("sign-in/second-factor/", account_views.second_factor, name="second_factor"),
    path("sign-in/second-factor/set-up/", account_views.second_factor_enrol_view, name="second_factor_enrol"),
    path("sign-out/", second_factor_not_required(account_views.SignOutView.as_view()), name="logout"),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("health/", login_not_required(health.health), name="health"),
]

# Every refusal is written to the audit trail before the "not allowed" page is shown.
handler403 = "sahay.audit.views.permission_denied"
