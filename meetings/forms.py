"""The meeting pages' forms: schedule, attendance, a minutes item, an action, closing one."""

import datetime as dt
import re

from django import forms
from django.db.models import Q

from cases.forms import MomentsForm, choice_field, clock_field, date_field, text_field
from cases.models import Case
from cases.selectors import visible_cases
from meetings.models import Action, Attendance, Meeting
from people.models import Agency, Person

REFERENCE = re.compile(r"^[A-Z]{2,5}-\d{4}-\d{4,12}$")


def partners(person: Person, also=()):
    """The agencies a meeting may ask: those covering the chair's agency's areas, and
    `also` (agency ids: those sharing the case it was scheduled from)."""
    areas = person.agency.areas.values("pk") if person.agency_id else []
    return (
        Agency.objects.filter(Q(areas__in=areas) | Q(pk__in=list(also)))
        .exclude(pk=person.agency_id)
        .distinct()
        .order_by("name")
    )


class MeetingForm(MomentsForm):
    MOMENTS = {"held_at": ("held_on", "held_time", "the time of the meeting")}
    AHEAD = dt.timedelta(days=366)
    NOT_YET = "The meeting must be within a year from now"

    kind = choice_field("Type of meeting", Meeting.Kind.choices, "Choose the type of meeting")
    held_on = date_field("Date", "the date of the meeting", past_only=False)
    held_time = clock_field("Time", "the time of the meeting")
    references = text_field(
        "Children to discuss", 2000, widget=forms.Textarea,
        missing="Enter the case reference of at least one child",
        help_text="Case references, one a line, like CSE-2026-000123",
    )  # fmt: skip
    agencies = forms.ModelMultipleChoiceField(
        label="Agencies to ask", queryset=Agency.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    area = forms.ModelChoiceField(
        label="Area (for a MACE)", queryset=Agency.objects.none(), required=False,
        empty_label="Select the area",
    )  # fmt: skip

    def __init__(self, *args, person: Person, also=(), **kwargs) -> None:
        """`also`: agency ids to offer besides the partnership (those sharing the case)."""
        super().__init__(*args, **kwargs)
        self.person = person
        self.fields["agencies"].queryset = partners(person, also)
        self.fields["area"].queryset = person.agency.areas.order_by("name")

    def clean_references(self) -> list[Case]:
        lines = [line.strip().upper() for line in self.cleaned_data["references"].splitlines()]
        wanted = list(dict.fromkeys(line for line in lines if line))
        bad = [ref for ref in wanted if not REFERENCE.match(ref)]
        if bad:
            raise forms.ValidationError(f"{bad[0]} is not a case reference, like CSE-2026-000123")
        found = {c.reference: c for c in visible_cases(self.person).filter(reference__in=wanted)}
        missing = [ref for ref in wanted if ref not in found]
        if missing:
            raise forms.ValidationError(f"{missing[0]} is not a case you can see")
        return [found[ref] for ref in wanted]

    def clean(self):
        data = super().clean()
        if data.get("kind") == Meeting.Kind.MACE and not data.get("area"):
            self.add_error("area", "Choose the area whose exploitation meeting this is")
        return data


class AttendanceForm(forms.Form):
    """One status and names field per agency asked (`rows`: the attendance rows)."""

    prefix = "attendance"

    def __init__(self, *args, rows, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.rows = list(rows)
        for row in self.rows:
            self.fields[f"status_{row.agency_id}"] = choice_field(
                row.agency.name, Attendance.Status.choices, "Choose whether the agency came",
                initial=row.status,
            )  # fmt: skip
            self.fields[f"names_{row.agency_id}"] = text_field(
                f"Who came for {row.agency.name}", 300, required=False, initial=row.names
            )

    def answers(self) -> dict[int, tuple[str, str]]:
        data = self.cleaned_data
        return {r.agency_id: (data[f"status_{r.agency_id}"], data[f"names_{r.agency_id}"])
                for r in self.rows}  # fmt: skip

    def pairs(self):
        """Each agency's two fields, for the template."""
        return [(self[f"status_{r.agency_id}"], self[f"names_{r.agency_id}"]) for r in self.rows]


def _children(cases) -> list[tuple[str, str]]:
    return [(str(case.pk), f"{case.child.full_name} ({case.reference})") for case in cases]


class ItemForm(forms.Form):
    prefix = "item"
    about = choice_field("About", [], "Choose what the item is about")
    text = text_field("What was said or decided", 8000, widget=forms.Textarea,
                      missing="Enter what was said or decided")  # fmt: skip
    decision = forms.BooleanField(label="This is a decision", required=False)
    restricted = forms.BooleanField(label="Only my agency can see this", required=False)

    def __init__(self, *args, children, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["about"].choices = [("meeting", "The meeting as a whole"), *_children(children)]

    def case_id(self) -> int | None:
        about = self.cleaned_data["about"]
        return None if about == "meeting" else int(about)


class ActionForm(forms.Form):
    prefix = "action"
    case = choice_field("Which child is it about?", [], "Choose the child it is about")
    text = text_field("What is to be done", 2000, widget=forms.Textarea,
                      missing="Enter what is to be done")  # fmt: skip
    owner = forms.ModelChoiceField(
        label="Which agency will do it?", queryset=Agency.objects.none(),
        empty_label="Select the agency",
        error_messages={"required": "Choose the agency that will do it",
                        "invalid_choice": "Choose the agency that will do it"},
    )  # fmt: skip
    owner_person = forms.ModelChoiceField(
        label="Who at that agency (optional)", queryset=Person.objects.none(), required=False,
        empty_label="Anyone at the agency",
        error_messages={"invalid_choice": "Choose someone who works for that agency"},
    )  # fmt: skip
    due_on = date_field("Due by", "the date it is due by", past_only=False)

    def __init__(self, *args, children, agencies, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["case"].choices = [("", "Select the child"), *_children(children)]
        self.fields["owner"].queryset = agencies
        people = Person.objects.filter(agency__in=agencies, is_active=True).select_related("agency")
        self.fields["owner_person"].queryset = people.order_by("agency__name", "last_name")
        self.fields["owner_person"].label_from_instance = lambda person: (
            f"{person.display_name} ({person.agency.name})"
        )

    def clean(self):
        data = super().clean()
        chosen, owner = data.get("owner_person"), data.get("owner")
        if chosen is not None and owner is not None and chosen.agency_id != owner.pk:
            self.add_error("owner_person", "Choose someone who works for the agency chosen")
        return data


class CloseActionForm(forms.Form):
    status = choice_field(
        "What happened to it?",
        [(Action.Status.DONE, "Done"), (Action.Status.DROPPED, "Dropped")],
        "Choose done or dropped",
    )
    note = text_field("What was done, or why it was dropped", 4000, widget=forms.Textarea,
                      missing="Say what was done, or why it was dropped")  # fmt: skip
