"""What every page template needs to know about the installation."""

from django.http import HttpRequest

from sahay.accounts.rights import Right
from sahay.cases.selectors import unread_notice_count
from sahay.core.models import DemoDataset


def demo_data_is_synthetic() -> bool:
    """True where the demo data set was installed: every page and report says the data is synthetic."""
    return DemoDataset.objects.exists()


def site(request: HttpRequest) -> dict[str, object]:
    context: dict[str, object] = {"synthetic_demo_data": demo_data_is_synthetic()}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.has_perm(Right.WORK_CASES.permission):
        context["unread_notices"] = unread_notice_count(user)
    return context
