"""Forms for the MASH pages: recording a contact, rating, assigning, checks, decisions, answers.

As cases.forms: they validate and translate what was typed, with GOV.UK error messages;
the services (triage.services) decide, and their ValidationError messages are added
to the form by the view so that what was typed is kept.
"""

from django import forms
from django.utils import timezone

from cases.forms import (
    ChildForm,
    MomentsForm,
    area_field,
    choice_field,
    clock_field,
    date_field,
    text_field,
)
from people.models import Agency, Person
from people.selectors import agencies_covering
from triage.models import Contact, Rag
from triage.services import decision_deadlines

CONCERN_HINT = "What was reported, by whom and when, in their words where you can."
RESTRICTED_HINT = (
    "Optional. Anything the MASH needs for its decision but your agency does not want shared "
    "any further, like an ongoing investigation or a third party’s health. Only the MASH "
    "sees it; on the child’s chronology it stays visible to your agency alone."
)


class ContactChildForm(ChildForm):
    """A new child, recorded with a contact: the child form without a case's concern
    (the contact says what was reported)."""

    concern = None


class ContactForm(MomentsForm):
    MOMENTS = {"received_at": ("received_on", "received_time", "the time it was received")}
    NOT_YET = "The time it was received must be now or in the past"

    area = area_field("Where does the child live?", "Select the area where the child lives")
    referrer_type = choice_field(
        "Who made the referral?", Contact.ReferrerType.choices, "Select who made the referral"
    )
    referrer_name = text_field("Name of the person referring", 200,
                          missing="Enter the name of the person referring")  # fmt: skip
    referrer_role = text_field("Their role, or relationship to the child", 200,
                          missing="Enter their role, or relationship to the child")  # fmt: skip
    referrer_phone = text_field("Telephone (optional for a professional)", 30, required=False)
    referrer_email = forms.EmailField(
        label="Email address (optional for a professional)",
        max_length=254,
        required=False,
        error_messages={
            "invalid": "Enter an email address in the correct format, like name@example.com",
            "max_length": "Email address must be 254 characters or fewer",
        },
    )
    received_on = date_field("Date received", "the date it was received")
    received_time = clock_field("Time received", "the time it was received")
    concern = text_field("What was reported?", 5000, widget=forms.Textarea,
                    missing="Enter what was reported")  # fmt: skip

    def __init__(self, *args, person: Person, **kwargs) -> None:
        now = timezone.localtime()
        initial = {
            "received_on": now.date(),
            "received_time": f"{now:%H:%M}",
            "referrer_type": Contact.ReferrerType.PROFESSIONAL,
            "referrer_name": person.get_full_name(),
            "referrer_role": person.job_title,
            "referrer_email": person.email,
        }
        areas = list(person.agency.areas.all()) if person.agency_id else []
        if len(areas) == 1:
            initial["area"] = areas[0].pk
        kwargs["initial"] = initial | kwargs.get("initial", {})
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        public = data.get("referrer_type") == Contact.ReferrerType.PUBLIC
        reachable = data.get("referrer_phone", "").strip() or data.get("referrer_email")
        typed_wrong = "referrer_phone" in self.errors or "referrer_email" in self.errors
        if public and not reachable and not typed_wrong:
            self.add_error(
                "referrer_phone",
                "Enter a telephone number or email address so the MASH can reach them",
            )
        return data

    @property
    def contact_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "area": data["area"],
            "referrer_type": data["referrer_type"],
            "referrer_name": data["referrer_name"],
            "referrer_role": data["referrer_role"],
            "referrer_phone": data["referrer_phone"],
            "referrer_email": data["referrer_email"],
            "received_at": data["received_at"],
            "concern": data["concern"],
        }


RAG_HINT = f"When the decision is due: {decision_deadlines()}."


class RateForm(forms.Form):
    rag = choice_field("RAG rating", Rag.choices, "Select a RAG rating", help_text=RAG_HINT)
    reason = text_field("Reason for the rating", 1000, widget=forms.Textarea,
                   missing="Enter the reason for the rating")  # fmt: skip


UNASSIGNED = "none"


class AssignForm(forms.Form):
    assignee = choice_field("Assign to", [], "Select who to assign the contact to")

    def __init__(self, *args, people, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.people = {str(p.pk): p for p in people}
        self.fields["assignee"].choices = [
            (UNASSIGNED, "Unassigned"),
            *((str(p.pk), p.get_full_name() or p.username) for p in people),
        ]

    def clean_assignee(self) -> Person | None:
        value = self.cleaned_data["assignee"]
        return None if value == UNASSIGNED else self.people[value]


def partner_agencies(contact: Contact) -> list[Agency]:
    """Whom the MASH may ask: every agency but itself, those covering the contact's area
    first, then by name."""
    local = set(agencies_covering(contact.area_id).values_list("pk", flat=True))
    agencies = Agency.objects.exclude(pk=contact.mash_id).order_by("name")
    return sorted(agencies, key=lambda a: a.pk not in local)


class ChecksForm(forms.Form):
    agencies = forms.MultipleChoiceField(
        label="Which partner agencies should check what they hold?",
        choices=[],
        error_messages={
            "required": "Select at least one partner agency",
            "invalid_choice": "Select partner agencies from the list",
        },
    )
    question = text_field("What are you asking them?", 2000, widget=forms.Textarea,
                     missing="Enter what you are asking the partners")  # fmt: skip

    def __init__(self, *args, agencies: list[Agency], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.agencies = {str(a.pk): a for a in agencies}
        self.fields["agencies"].choices = [
            (str(a.pk), f"{a.name} ({a.get_kind_display().lower()})") for a in agencies
        ]

    def clean_agencies(self) -> list[Agency]:
        return [self.agencies[pk] for pk in self.cleaned_data["agencies"]]


class DecideForm(forms.Form):
    decision = choice_field("Decision", Contact.Decision.choices, "Select the decision")
    rationale = text_field("Rationale", 5000, widget=forms.Textarea,
                      missing="Enter the rationale for the decision")  # fmt: skip
    transfer_to = forms.ModelChoiceField(
        label="Transfer to (only for a transfer)",
        queryset=Agency.objects.none(),
        required=False,
        empty_label="Select the authority",
        error_messages={"invalid_choice": "Select the authority to transfer the contact to"},
    )

    def __init__(self, *args, contact: Contact, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["transfer_to"].queryset = (
            Agency.objects.filter(kind=Agency.Kind.SOCIAL_CARE)
            .exclude(pk=contact.mash_id)
            .order_by("name")
        )

    def clean(self):
        data = super().clean()
        transferring = data.get("decision") == Contact.Decision.TRANSFER
        if transferring and not data.get("transfer_to") and "transfer_to" not in self.errors:
            self.add_error("transfer_to", "Select the authority to transfer the contact to")
        if data.get("decision") and not transferring and data.get("transfer_to"):
            self.add_error("transfer_to", "Choose an authority only for a transfer")
        return data


class CloseCheckForm(forms.Form):
    reason = text_field(
        "Why are you closing the check?", 1000, widget=forms.Textarea,
        missing="Enter why you are closing the check",
        help_text="The partner agency reads this: say why the MASH no longer needs its answer, "
        "like ‘Decided on the police answer; health held nothing at the strategy call’.",
    )  # fmt: skip


class AnswerForm(forms.Form):
    answer = text_field("What does your agency hold on this child?", 5000, widget=forms.Textarea,
                   missing="Enter what your agency holds, or that it holds nothing")  # fmt: skip
    restricted_answer = text_field("Restricted part (optional)", 5000, required=False,
                              widget=forms.Textarea)  # fmt: skip
