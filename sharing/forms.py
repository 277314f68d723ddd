"""The share and emergency-access forms, with the GOV.UK conventions of `cases.forms`."""

from django import forms

from cases.forms import choice_field, text_field
from people.models import Agency
from sharing.models import LawfulBasis, Share


class ShareForm(forms.Form):
    agency = choice_field("Agency to share with", [], "Select the agency to share with")
    level = choice_field("What they can do", Share.Level.choices, "Select what they can do")
    lawful_basis = choice_field("Lawful basis", LawfulBasis.choices, "Select the lawful basis")
    purpose = text_field("Purpose", 500, widget=forms.Textarea,
                    missing="Enter the purpose of sharing")  # fmt: skip

    def __init__(self, *args, agencies: list[Agency], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.agencies = {str(a.pk): a for a in agencies}
        self.fields["agency"].choices = [("", "Select an agency"),
                                         *((str(a.pk), a.name) for a in agencies)]  # fmt: skip

    def clean_agency(self) -> Agency:
        return self.agencies[self.cleaned_data["agency"]]


class RevokeForm(forms.Form):
    reason = text_field("Why are you revoking this access?", 1000, widget=forms.Textarea,
                        missing="Enter why you are revoking this access")  # fmt: skip


class RenewForm(forms.Form):
    reason = text_field("Why does your agency still need to see this case?", 1000,
                        widget=forms.Textarea,
                        missing="Enter why your agency still needs to see this case")  # fmt: skip


class EmergencyAccessForm(forms.Form):
    reference = text_field("Case reference", 20, help_text="For example, CSE-2026-000123")
    reason = forms.CharField(
        label="Why do you need to see this case now?",
        min_length=20,
        max_length=1000,
        widget=forms.Textarea,
        error_messages={
            "required": "Enter why you need to see this case now",
            "min_length": "Why you need to see this case must be 20 characters or more",
            "max_length": "Why you need to see this case must be 1,000 characters or fewer",
        },
    )

    def clean_reference(self) -> str:
        return self.cleaned_data["reference"].strip().upper()
