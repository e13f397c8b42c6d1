"""The results framework: the programme, its strategies, indicators, targets and baselines (read only)."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.urls import URLPattern
from rest_framework import mixins, serializers

from sahay.accounts.rights import Right
from sahay.api.base import ApiViewSet
from sahay.api.routes import Routes
from sahay.core.models import Country
from sahay.frameworks.models import Baseline, Indicator, Programme, Strategy, Target


class TargetSerializer(serializers.ModelSerializer[Target]):
    country: serializers.SlugRelatedField[Country] = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True
    )

    class Meta:
        model = Target
        fields = ["country", "period_code", "value"]


class BaselineSerializer(serializers.ModelSerializer[Baseline]):
    country: serializers.SlugRelatedField[Country] = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True
    )

    class Meta:
        model = Baseline
        fields = ["country", "value", "year", "comment"]


class IndicatorSerializer(serializers.ModelSerializer[Indicator]):
    strategy: serializers.SlugRelatedField[Strategy] = serializers.SlugRelatedField(slug_field="code", read_only=True)
    targets = TargetSerializer(many=True, read_only=True)
    baselines = BaselineSerializer(many=True, read_only=True)

    class Meta:
        model = Indicator
        fields = [
            "code",
            "strategy",
            "name_en",
            "name_nl",
            "description_en",
            "description_nl",
            "unit_en",
            "unit_nl",
            "disaggregations",
            "direction",
            "source",
            "about_victims",
            "is_target",
            "targets",
            "baselines",
        ]


class StrategySerializer(serializers.ModelSerializer[Strategy]):
    class Meta:
        model = Strategy
        fields = ["code", "name_en", "name_nl"]


class ProgrammeSerializer(serializers.ModelSerializer[Programme]):
    countries: serializers.SlugRelatedField[Country] = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True
    )
    strategies = StrategySerializer(many=True, read_only=True)
    indicators = IndicatorSerializer(many=True, read_only=True)

    class Meta:
        model = Programme
        fields = ["code", "name_en", "name_nl", "start", "end", "countries", "strategies", "indicators"]


class FrameworkViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Programmes with their frameworks. Everyone signed in reads them, as on the indicator pages."""

    read_rights = tuple(Right)
    serializer_class = ProgrammeSerializer
    lookup_field = "code"
    ordering_fields = ["start", "code"]
    ordering = ["-start"]

    def get_queryset(self) -> QuerySet[Programme]:
        return Programme.objects.prefetch_related(
            "countries",
            "strategies",
            Prefetch(
                "indicators",
                Indicator.objects.select_related("strategy").prefetch_related("targets__country", "baselines__country"),
            ),
        ).order_by("-start")


routes: Routes = [("framework", FrameworkViewSet, "framework")]
urlpatterns: list[URLPattern] = []
