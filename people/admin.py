"""Django admin for areas, agencies and people.

Platform superusers manage everything. An agency admin (staff because of their role)
sees and manages only their own agency's people and cannot grant anything beyond the
roles the service defines: no superuser flag, no raw permissions, no other agency.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest

from people.admin_audit import AuditedAdmin
from people.models import Agency, Area, ClosureDay, Person
from people.two_factor import reset_second_factor
from safeguarding.uk_time import day_said


def _is_agency_admin(request: HttpRequest) -> bool:
    user = request.user
    return user.is_active and not user.is_superuser and getattr(user, "is_agency_admin", False)


@admin.register(Area)
class AreaAdmin(AuditedAdmin):
    list_display = ["name", "ons_code"]
    search_fields = ["name", "ons_code"]


@admin.register(Agency)
class AgencyAdmin(AuditedAdmin):
    list_display = ["name", "kind", "code", "duty_email"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]
    filter_horizontal = ["areas"]


@admin.register(Person)
class PersonAdmin(AuditedAdmin, UserAdmin):
    list_display = ["username", "first_name", "last_name", "agency", "role", "is_active"]
    list_filter = ["role", "is_active", "agency"]
    list_select_related = ["agency"]
    search_fields = ["username", "first_name", "last_name", "email"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        ("Person", {"fields": ["first_name", "last_name", "email", "job_title"]}),
        ("Agency and role", {"fields": ["agency", "role", "is_active"]}),
        ("Platform", {"fields": ["is_superuser", "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": [
                    "username",
                    "first_name",
                    "last_name",
                    "email",
                    "agency",
                    "role",
                    "password1",
                    "password2",
                ],
            },
        ),
    ]
    readonly_fields = ["last_login", "date_joined"]
    actions = ["reset_two_factor"]

    @admin.action(description="Reset two-factor sign-in (lost or replaced phone)")
    def reset_two_factor(self, request, queryset):
        # The queryset is already limited to the admin's own agency (get_queryset).
        people = list(queryset.exclude(pk=request.user.pk))
        for person in people:
            reset_second_factor(request, person)
        self.message_user(
            request,
            f"Reset two-factor sign-in for {len(people)} "
            f"{'person' if len(people) == 1 else 'people'}. They set it up again at next "
            "sign-in, and have been signed out everywhere.",
            messages.SUCCESS,
        )

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if _is_agency_admin(request):
            fieldsets = [fs for fs in fieldsets if fs[0] != "Platform"]
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if _is_agency_admin(request):
            fields.append("agency")
        return fields

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        if _is_agency_admin(request):
            return qs.filter(agency=request.user.agency_id, is_superuser=False)
        return qs.none()

    def save_model(self, request, obj, form, change):
        if _is_agency_admin(request):
            obj.agency_id = request.user.agency_id
            obj.is_superuser = False
        super().save_model(request, obj, form, change)

    # Agency admins hold no model permissions: their role is the permission, scoped above.
    def has_module_permission(self, request):
        return _is_agency_admin(request) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return self._own_agency(request, obj) or super().has_view_permission(request, obj)

    def has_add_permission(self, request):
        return _is_agency_admin(request) or super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return self._own_agency(request, obj) or super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        # People are deactivated, never deleted: their records and audit trail stay theirs.
        return request.user.is_superuser and obj is not None and obj.pk != request.user.pk

    def _own_agency(self, request: HttpRequest, obj: Person | None) -> bool:
        if not _is_agency_admin(request):
            return False
        return obj is None or (obj.agency_id == request.user.agency_id and not obj.is_superuser)


class ClosureDayForm(forms.ModelForm):
    """Refuses a second closure on the same day with a message (the agency is not a field
    for an agency admin, so Django's own unique check would not see it)."""

    agency_id: int | None = None

    class Meta:
        model = ClosureDay
        fields = ["agency", "day", "reason"]

    def clean(self) -> dict:
        data = super().clean()
        agency = data.get("agency") or self.agency_id
        day = data.get("day")
        if agency and day:
            taken = ClosureDay.objects.filter(agency=agency, day=day).exclude(pk=self.instance.pk)
            if taken.exists():
                self.add_error("day", f"{day_said(day)} is already a closure day.")
        return data


@admin.register(ClosureDay)
class ClosureDayAdmin(AuditedAdmin):
    """An agency's closure days, which its working-day deadlines skip (people.calendar).
    An agency admin adds and removes only their own agency's."""

    list_display = ["day", "reason", "agency"]
    list_filter = ["agency"]
    date_hierarchy = "day"

    def get_queryset(self, request):
        qs = super().get_queryset(request).select_related("agency")
        if request.user.is_superuser:
            return qs
        if _is_agency_admin(request):
            return qs.filter(agency=request.user.agency_id)
        return qs.none()

    form = ClosureDayForm

    def get_exclude(self, request, obj=None):
        return ["agency"] if _is_agency_admin(request) else []

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.agency_id = request.user.agency_id if _is_agency_admin(request) else None
        return form

    def save_model(self, request, obj, form, change):
        if _is_agency_admin(request):
            obj.agency_id = request.user.agency_id
        super().save_model(request, obj, form, change)

    def has_module_permission(self, request):
        return _is_agency_admin(request) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return self._own(request, obj) or super().has_view_permission(request, obj)

    def has_add_permission(self, request):
        return _is_agency_admin(request) or super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return self._own(request, obj) or super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._own(request, obj) or super().has_delete_permission(request, obj)

    def _own(self, request: HttpRequest, obj: ClosureDay | None) -> bool:
        return _is_agency_admin(request) and (
            obj is None or obj.agency_id == request.user.agency_id
        )
