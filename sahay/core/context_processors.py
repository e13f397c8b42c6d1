"""What every page template needs to know about the installation."""

from django.http import HttpRequest

from sahay.core.models import DemoDataset


def site(request: HttpRequest) -> dict[str, object]:
    return {"synthetic_demo_data": DemoDataset.objects.exists()}
