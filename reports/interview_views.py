"""The return home interview compliance report: page, CSV and API (reports.interviews).

For anyone whose role reads cases (practitioners, MASH managers, information governance),
at any agency: counts only, each authority's own row in full and the others' small counts
suppressed. An agency admin, who reads no case, is refused (403).
"""

import csv
import datetime as dt
import io
import re

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from cases import http
from cases.roles import Act, require
from reports.interviews import BY, OUTCOMES, Row, compliance
from safeguarding.spreadsheets import safe_cell

MONTH = re.compile(r"^(\d{4})-(\d{2})$")
COLUMNS = [
    ("returns", "Returns owed an interview"),
    ("in_time", "Held within 72 hours"),
    ("late", "Held later"),
    ("declined", "Declined"),
    ("not_held", "Not held"),
    ("owed", "Still owed"),
]


def default_month(today: dt.date | None = None) -> dt.date:
    """Last month: the latest whose returns have mostly had their 72 hours."""
    today = today or timezone.localdate()
    return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def parse_month(value: str | None) -> dt.date | None:
    """`2026-11` as its first day; None if it is not a month from 2000 to next year."""
    found = MONTH.match(value or "")
    if not found:
        return None
    year, month = int(found[1]), int(found[2])
    if not (2000 <= year <= timezone.localdate().year + 1 and 1 <= month <= 12):
        return None
    return dt.date(year, month, 1)


def _asked(request: HttpRequest) -> tuple[dt.date, str, str]:
    """The month and grouping asked for, and what was wrong with them (shown, not fatal)."""
    problem = ""
    month = default_month()
    if "month" in request.GET:
        month = parse_month(request.GET["month"]) or month
        if parse_month(request.GET["month"]) is None:
            problem = "Enter the month as year and month, like 2026-11. Showing last month."
    by = request.GET.get("by", "placing")
    if by not in BY:
        by = "placing"
    return month, by, problem


def _shown(value: int | None) -> str:
    under = settings.REPORT_SUPPRESS_UNDER
    return f"fewer than {under}" if value is None else str(value)


@login_required
@require_GET
def return_interviews(request: HttpRequest) -> HttpResponse:
    require(request.user, Act.VIEW)
    month, by, problem = _asked(request)
    rows, total = compliance(request.user, month, by)
    previous = (month - dt.timedelta(days=1)).replace(day=1)
    following = (month + dt.timedelta(days=32)).replace(day=1)
    return render(
        request,
        "reports/return_interviews.html",
        {
            "month": month,
            "by": by,
            "by_name": BY[by],
            "problem": problem,
            "rows": rows,
            "total": total,
            "previous": previous,
            "following": following if following <= timezone.localdate() else None,
            "today": timezone.localdate(),
            "under": settings.REPORT_SUPPRESS_UNDER,
            "hours": settings.RETURN_INTERVIEW_HOURS,
        },
    )


@login_required
@require_GET
def return_interviews_csv(request: HttpRequest) -> HttpResponse:
    require(request.user, Act.VIEW)
    month, by, _ = _asked(request)
    rows, total = compliance(request.user, month, by)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["month", BY[by], *(label for _, label in COLUMNS), "% held within 72 hours",
         "% declined", "% not held"]
    )  # fmt: skip
    for row in (*rows, total):
        percents = [row.in_time_percent, row.declined_percent, row.not_held_percent]
        writer.writerow(
            [f"{month:%Y-%m}", safe_cell(row.name),
             *(_shown(row.shown[name]) for name, _ in COLUMNS),
             *("" if p is None else p for p in percents)]
        )  # fmt: skip
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    name = f"return-interviews-{month:%Y-%m}-by-{by}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- the API ------------------------------------------------------------------------------


class ComplianceRowSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="The placing authority or host area.")
    own = serializers.BooleanField(help_text="Your agency's own row: never suppressed.")
    returns = serializers.IntegerField(allow_null=True)
    in_time = serializers.IntegerField(allow_null=True, help_text="Held within 72 hours.")
    late = serializers.IntegerField(allow_null=True, help_text="Held after 72 hours.")
    declined = serializers.IntegerField(allow_null=True)
    not_held = serializers.IntegerField(allow_null=True)
    owed = serializers.IntegerField(allow_null=True, help_text="Not recorded yet.")
    in_time_percent = serializers.FloatField(allow_null=True)
    declined_percent = serializers.FloatField(allow_null=True)
    not_held_percent = serializers.FloatField(allow_null=True)


class ComplianceSerializer(serializers.Serializer):
    month = serializers.CharField()
    by = serializers.ChoiceField(choices=list(BY))
    suppressed_under = serializers.IntegerField(
        help_text="In rows about other authorities, a count from 1 to this less one is null."
    )
    rows = ComplianceRowSerializer(many=True)
    total = ComplianceRowSerializer()


def _row(row: Row) -> dict:
    return {
        "name": row.name,
        "own": row.own,
        **{name: row.shown[name] for name in ("returns", *OUTCOMES)},
        "in_time_percent": row.in_time_percent,
        "declined_percent": row.declined_percent,
        "not_held_percent": row.not_held_percent,
    }


@extend_schema(
    operation_id="report_return_interviews",
    summary="Return home interview compliance, for one month",
    description="By placing authority (`by=placing`) or host area (`by=host`), for the "
    "returns of `month` (UK time; default last month): how many were owed an interview, held "
    "within 72 hours, held later, declined, not held or still owed. In rows about other "
    "authorities a small count is null (`suppressed_under`). Counts only: no child.",
    tags=["reports"],
    parameters=[
        OpenApiParameter("month", OpenApiTypes.STR, description="YYYY-MM."),
        OpenApiParameter("by", OpenApiTypes.STR, enum=list(BY)),
    ],
    responses=http.answers({200: ComplianceSerializer}, 400),
)
@api_view(["GET"])
@http.casework
def return_interviews_api(request: Request) -> Response:
    require(request.user, Act.VIEW)
    month = default_month()
    if "month" in request.query_params:
        month = parse_month(request.query_params["month"])
        if month is None:
            raise ValidationError({"month": ["Enter a month as YYYY-MM, like 2026-11."]})
    by = request.query_params.get("by", "placing")
    if by not in BY:
        raise ValidationError({"by": ["Choose placing or host."]})
    rows, total = compliance(request.user, month, by)
    return Response(
        ComplianceSerializer(
            {
                "month": f"{month:%Y-%m}",
                "by": by,
                "suppressed_under": settings.REPORT_SUPPRESS_UNDER,
                "rows": [_row(row) for row in rows],
                "total": _row(total),
            }
        ).data
    )
