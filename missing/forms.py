"""Forms for placements, missing episodes, returns and return home interviews.

As cases.forms: they validate and translate what was typed, with GOV.UK error messages;
missing.services decides. The field builders and MomentsForm come from cases.forms, so a
date and a time typed apart read the same on every form.
"""

import datetime as dt

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases.forms import (
    LanguagePrompts,
    MomentsForm,
    area_field,
    choice_field,
    clock_field,
    date_field,
    text_field,
)
from cases.validators import POSTCODE_HINT, normalise_postcode, validate_postcode
from missing import photos
from missing.models import MissingEpisode, Placement, ReturnInterview
from missing.profiles import MAX_LINE, MAX_LINES, lines
from safeguarding.uk_time import said

# A placement may be recorded up to a day before it starts (a planned move tomorrow
# morning), so the agencies in the new area hear of it before the child arrives. Everything
# else on these forms has already happened, so none of it may be in the future.
PLACEMENT_NOTICE_AHEAD = dt.timedelta(days=1)


class PlacementForm(MomentsForm):
    MOMENTS = {"started_at": ("started_on", "started_time", "the time the placement starts")}
    AHEAD = PLACEMENT_NOTICE_AHEAD
    NOT_YET = "The placement must start no more than 24 hours from now"

    area = area_field("Placement area", "Select the area the child is placed in")
    address = text_field("Address of the placement", 300, widget=forms.Textarea,
                    missing="Enter the address of the placement")  # fmt: skip
    postcode = text_field("Postcode", 10, missing="Enter the postcode of the placement",
                          help_text=POSTCODE_HINT)  # fmt: skip
    provider_type = choice_field("Type of placement", Placement.Provider.choices,
                            "Select the type of placement")  # fmt: skip
    started_on = date_field("Date the placement starts", "the date the placement starts",
                       past_only=False)  # fmt: skip
    started_time = clock_field("Time the placement starts", "the time the placement starts")

    def __init__(self, *args, current: Placement | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.current = current

    def clean_postcode(self) -> str:
        value = self.cleaned_data["postcode"].strip()
        validate_postcode(value)
        return normalise_postcode(value)

    def clean(self):
        data = super().clean()
        if self.current is not None:
            self.check_not_before(
                "started_at",
                self.current.started_at,
                "The placement must start after the current one started "
                f"({said(self.current.started_at)})",
            )
        return data


class SinceForm(MomentsForm):
    """A form of one moment that has happened, after an earlier one the view passes in as
    `after` (the placement's start, the last sighting, the return): the same two checks."""

    TOO_EARLY = ""  # the message for one before `after`; {after} says when that was

    def __init__(self, *args, after: dt.datetime, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.after = after

    def clean(self):
        data = super().clean()
        (name,) = self.MOMENTS
        self.check_not_before(name, self.after, self.TOO_EARLY.format(after=said(self.after)))
        return data


class EndPlacementForm(SinceForm):
    MOMENTS = {"ended_at": ("ended_on", "ended_time", "the time the placement ended")}

    ended_on = date_field("Date the placement ended", "the date the placement ended")
    ended_time = clock_field("Time the placement ended", "the time the placement ended")
    reason = text_field("Why did the placement end?", 500, widget=forms.Textarea,
                   missing="Enter why the placement ended")  # fmt: skip

    NOT_YET = "The placement must have ended by now"
    TOO_EARLY = "The placement must end after it started ({after})"


# The College of Policing's words for each grade (APP, missing persons).
RISK_HINT = (
    "High: serious harm is very likely. Medium: harm is likely but not serious. "
    "Low: harm is possible but minimal. Very low: no apparent risk of harm, and still a "
    "missing child: everyone is told and it counts."
)


class MissingForm(MomentsForm):
    MOMENTS = {"last_seen_at": ("last_seen_on", "last_seen_time", "the time last seen")}
    NOT_YET = "The time last seen must be now or in the past"

    last_seen_on = date_field("Date last seen", "the date the child was last seen")
    last_seen_time = clock_field("Time last seen", "the time the child was last seen")
    last_seen_where = text_field("Where was the child last seen?", 300,
                            missing="Enter where the child was last seen")  # fmt: skip
    last_seen_area = area_field("Area the child was last seen in",
                                "Select the area the child was last seen in")  # fmt: skip
    circumstances = text_field("Circumstances", 5000, widget=forms.Textarea,
                          missing="Enter the circumstances")  # fmt: skip
    risk = choice_field(
        "Risk grading", MissingEpisode.Risk.choices, "Select the risk grading", help_text=RISK_HINT
    )


class ReturnForm(SinceForm):
    MOMENTS = {"returned_at": ("returned_on", "returned_time", "the time the child returned")}

    returned_on = date_field("Date the child returned", "the date the child returned")
    returned_time = clock_field("Time the child returned", "the time the child returned")
    how_found = text_field("How was the child found?", 1000, widget=forms.Textarea,
                      missing="Enter how the child was found",
                      help_text="Where they were found and who they were with: it goes on "
                                "the child’s missing-from-care profile as a previous "
                                "episode.")  # fmt: skip

    NOT_YET = "The time the child returned must be now or in the past"
    TOO_EARLY = "The child must have returned after they were last seen ({after})"


class ReturnInterviewForm(LanguagePrompts, SinceForm):
    """How the return home interview went (missing.services.record_return_interview): held,
    with when, why the child went and who with; or declined, or not held, with the reason.
    `others` are the case's other interviews still owed, which one conversation may cover."""

    MOMENTS = {"held_at": ("held_on", "held_time", "the time of the interview")}
    Outcome = ReturnInterview.Outcome
    # Not the child's own words: recorded as they said them.
    PROMPTED = ("summary", "outcome_reason", "factors_detail")

    outcome = choice_field(
        "How did it go?", Outcome.choices,
        "Select whether the interview was held, declined or not held",
    )  # fmt: skip
    offered_on = date_field("Date it was offered", "the date it was offered", required=False)
    offered_by = text_field("Who offered it", 200, required=False,
                            help_text="Name and service, for example an independent return "
                                      "home interview service.")  # fmt: skip
    outcome_reason = text_field("Why was it not held?", 2000, required=False,
                                widget=forms.Textarea)  # fmt: skip
    held_on = date_field("Date of the interview", "the date of the interview", required=False)
    held_time = clock_field("Time of the interview", "the time of the interview")
    summary = text_field("Summary to share", 5000, required=False, widget=forms.Textarea,
                         help_text="Goes on the chronology: every agency that sees the case, "
                                   "the police included, reads it.")  # fmt: skip
    push_factors = forms.MultipleChoiceField(
        label="What pushed them to go", choices=ReturnInterview.PUSH, required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    pull_factors = forms.MultipleChoiceField(
        label="What pulled them away", choices=ReturnInterview.PULL, required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    factors_detail = text_field("Other push or pull factors", 2000, required=False,
                                widget=forms.Textarea)  # fmt: skip
    people_mentioned = text_field(
        "People the child mentioned", MAX_LINES * (MAX_LINE + 1), required=False,
        widget=forms.Textarea, help_text="One a line. You can add them to the child’s "
        "missing-from-care profile next.",
    )  # fmt: skip
    places_mentioned = text_field(
        "Places the child mentioned", MAX_LINES * (MAX_LINE + 1), required=False,
        widget=forms.Textarea, help_text="One a line: where they went or were found. You can "
        "add them to the profile next.",
    )  # fmt: skip
    child_words = text_field("The child’s own words", 5000, required=False,
                             widget=forms.Textarea,
                             help_text="What they said, as they said it. Kept on the interview "
                                       "for agencies working with the child; never on the "
                                       "chronology.")  # fmt: skip
    risk_change = choice_field("Has the risk changed?", ReturnInterview.RiskChange.choices,
                               "Select whether the risk has changed", required=False)  # fmt: skip
    shared_with_police = forms.BooleanField(
        label="Share the push and pull factors and the people and places named on the "
        "chronology, so the police see them", required=False,
    )  # fmt: skip
    covers = forms.TypedMultipleChoiceField(
        label="This conversation also covered", coerce=int, required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip

    NOT_YET = "The interview must have been held by now"
    TOO_EARLY = "The interview must be after the child returned ({after})"

    def __init__(self, *args, others=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["held_time"].required = False
        self.fields["covers"].choices = [
            (str(other.pk), f"The return of {said(other.episode.returned_at)}") for other in others
        ]

    def clean_held_time(self):
        # Asked only of a held interview (clean): empty is no moment, not a bad time.
        return self.cleaned_data.get("held_time") or None

    def clean(self):
        data = super().clean()
        held = data.get("outcome") == self.Outcome.HELD
        if held:
            if not self.errors.get("held_on") and data.get("held_on") is None:
                self.add_error("held_on", "Enter the date of the interview")
            if not self.errors.get("held_time") and not data.get("held_time"):
                self.add_error("held_time", "Enter the time of the interview")
            if not (data.get("summary") or "").strip():
                self.add_error("summary", "Enter a summary to share")
        elif data.get("outcome") and not (data.get("outcome_reason") or "").strip():
            self.add_error("outcome_reason", "Enter why the interview was not held")
        offered = data.get("offered_on")
        if offered is not None and offered > timezone.localdate():
            self.add_error("offered_on", "The date it was offered must be today or in the past")
        for name in ("people_mentioned", "places_mentioned"):
            data[name] = lines(data.get(name) or "")
            if len(data[name]) > MAX_LINES or any(len(x) > MAX_LINE for x in data[name]):
                self.add_error(name, f"List {MAX_LINES} or fewer, each {MAX_LINE} characters "
                                     "or fewer")  # fmt: skip
        return data


class RegradeForm(forms.Form):
    """A new risk grading for a child still missing, and why."""

    def __init__(self, *args, current: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.current = current

    risk = choice_field(
        "New risk grading", MissingEpisode.Risk.choices, "Select the new risk grading",
        help_text=RISK_HINT,
    )  # fmt: skip
    reason = text_field("Why has the risk grading changed?", 2000, widget=forms.Textarea,
                        missing="Enter why the risk grading has changed")  # fmt: skip

    def clean_risk(self) -> str:
        risk = self.cleaned_data["risk"]
        if risk == self.current:
            label = MissingEpisode.Risk(risk).label.lower()
            raise forms.ValidationError(f"The risk is already graded {label}: choose another")
        return risk


def _lines_field(label: str, hint: str) -> forms.CharField:
    return text_field(label, MAX_LINES * (MAX_LINE + 1), required=False,
                      widget=forms.Textarea, help_text=hint)  # fmt: skip


class ProfileForm(forms.Form):
    """The missing-from-care profile, every section at once (missing.profiles.save_profile):
    the lists one item a line, as a carer's grab pack has them."""

    description = text_field("Physical description", 2000, required=False, widget=forms.Textarea,
                             help_text="Height, build, hair, skin, eyes, marks and scars, "
                                       "clothes they often wear.")  # fmt: skip
    medical = text_field("Medical needs and medication", 2000, required=False,
                         widget=forms.Textarea,
                         help_text="Conditions, allergies, medication and when it is due: "
                                   "what matters if they are found unwell.")  # fmt: skip
    associates = _lines_field(
        "Associates",
        "One person a line: name or nickname, how they know the child, phone "
        "number. For example: Jay (adult, about 20, collects her in a car) 07700 900123",
    )
    places = _lines_field(
        "Places the child goes or has been found",
        "One place a line: an address, a venue or an area, and when they go there if known.",
    )
    contacts = _lines_field(
        "The child’s phone numbers and social media accounts",
        "One a line, with the service: for example, Snapchat: example_user",
    )

    def clean(self):
        data = super().clean()
        for name in ("associates", "places", "contacts"):
            kept = lines(data.get(name) or "")
            label = self.fields[name].label
            if len(kept) > MAX_LINES:
                self.add_error(name, f"{label}: list {MAX_LINES} or fewer, one a line")
            elif any(len(line) > MAX_LINE for line in kept):
                self.add_error(name, f"{label}: each line must be {MAX_LINE} characters or fewer")
        return data


class PhotoForm(forms.Form):
    photo = forms.FileField(
        label="Upload a recent photo",
        help_text="A JPEG or PNG photo, up to 5 MB. Anything stored in the file besides the "
                  "picture (such as where it was taken) is removed.",
        error_messages={"required": "Select a photo to upload",
                        "empty": "The selected file is empty"},
    )  # fmt: skip

    def clean_photo(self):
        upload = self.cleaned_data["photo"]
        if upload.size > settings.PROFILE_PHOTO_MAX_BYTES:
            raise forms.ValidationError("The photo must be smaller than 5 MB")
        data = upload.read()
        try:
            photos.clean(data)  # refused here with its reason; the service cleans it again
        except ValidationError as refused:
            raise forms.ValidationError(refused.messages[0]) from None
        self.cleaned_data["data"] = data
        return upload


class ReasonForm(forms.Form):
    """Why the photo is removed, or the profile's third parties' details erased."""

    reason = text_field("Reason", 500, widget=forms.Textarea, missing="Enter the reason")


class RepeatRuleForm(forms.Form):
    """An authority's repeat-missing rule: this many episodes within so many days."""

    episodes = forms.IntegerField(
        label="Number of missing episodes", min_value=2, max_value=20,
        help_text="From 2 to 20. Every grade counts, very low included.",
        error_messages={"required": "Enter the number of missing episodes",
                        "invalid": "Enter the number of missing episodes as a whole number",
                        "min_value": "The number of missing episodes must be 2 or more",
                        "max_value": "The number of missing episodes must be 20 or fewer"},
    )  # fmt: skip
    days = forms.IntegerField(
        label="Within this many days", min_value=1, max_value=365,
        help_text="From 1 to 365, counted back from when the child was last seen.",
        error_messages={"required": "Enter the number of days",
                        "invalid": "Enter the number of days as a whole number",
                        "min_value": "The number of days must be 1 or more",
                        "max_value": "The number of days must be 365 or fewer"},
    )  # fmt: skip
