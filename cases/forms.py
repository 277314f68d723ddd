"""Forms for the case pages: they validate and translate, with GOV.UK error messages.

The services decide; these only turn what was typed into the values the services take.
Choice fields rendered as radios keep Django's Select widget so that `id_for_label` is the
first radio's id (`id_<name>`), which the error summary links to.
"""

import datetime as dt

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases import journey, language, moments
from cases.assessments import review_date_error
from cases.models import (
    ASSESSED_LEVELS,
    Child,
    Entry,
    Harm,
    Protective,
    Vulnerability,
    searchable,
)
from cases.moments import CLOCK_SKEW, EARLIEST_DAY, day_said
from cases.risk import months_after
from cases.validators import (
    POSTCODE_HINT,
    normalise_nhs_number,
    validate_nhs_number,
    validate_postcode,
)
from people.models import Agency, Area


class DateInput(forms.MultiWidget):
    """The GOV.UK date input: day, month and year boxes named `<name>_day` and so on."""

    def __init__(self) -> None:
        super().__init__(
            {"day": forms.TextInput, "month": forms.TextInput, "year": forms.TextInput}
        )

    def decompress(self, value):
        return [value.day, value.month, value.year] if value else [None, None, None]

    def id_for_label(self, id_):
        return f"{id_}_day" if id_ else ""


class DateField(forms.Field):
    """A date typed as day, month and year, with the GOV.UK pattern's error messages.

    `label` is how the messages name it ("Date of birth must be a real date").
    """

    widget = DateInput

    def __init__(self, *, past_only: bool = True, **kwargs) -> None:
        self.past_only = past_only
        super().__init__(**kwargs)

    def prepare_value(self, value):
        # A bound form shows what was typed; an unbound one the initial date.
        if isinstance(value, dt.date):
            return [value.day, value.month, value.year]
        return value or [None, None, None]

    def to_python(self, value) -> dt.date | None:
        day, month, year = (str(v or "").strip() for v in (value or ["", "", ""]))
        name = self.label
        if not (day or month or year):
            return None
        missing = [part for part, typed in (("day", day), ("month", month), ("year", year))
                   if not typed]  # fmt: skip
        if missing:
            raise forms.ValidationError(f"{name} must include a {' and '.join(missing)}")
        if not (day.isdigit() and month.isdigit() and year.isdigit()) or len(year) != 4:
            raise forms.ValidationError(f"{name} must be a real date")
        try:
            date = dt.date(int(year), int(month), int(day))
        except ValueError:
            raise forms.ValidationError(f"{name} must be a real date") from None
        if date < EARLIEST_DAY:
            raise forms.ValidationError(f"{name} must be on or after {day_said(EARLIEST_DAY)}")
        if self.past_only and date > timezone.localdate():
            raise forms.ValidationError(f"{name} must be today or in the past")
        return date


def text_field(label: str, max_length: int, *, required: bool = True, missing: str = "", **kw):
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        error_messages={
            "required": missing or f"Enter {label[0].lower()}{label[1:]}",
            "max_length": f"{label} must be {max_length:,} characters or fewer",
        },
        **kw,
    )


def choice_field(label: str, choices, missing: str, **kw) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=choices,
        error_messages={"required": missing, "invalid_choice": missing},
        **kw,
    )


def area_field(label: str, missing: str) -> forms.ModelChoiceField:
    """An area chosen from the list of all areas, A to Z (contacts, placements)."""
    return forms.ModelChoiceField(
        label=label,
        queryset=Area.objects.order_by("name"),
        empty_label="Select the area",
        error_messages={"required": missing, "invalid_choice": missing},
    )


YES_NO = [("yes", "Yes"), ("no", "No")]


class SearchForm(forms.Form):
    name = text_field("Name or alias", 100, required=False, help_text="Part of a name is enough")
    date_of_birth = DateField(label="Date of birth", required=False)
    nhs_number = text_field(
        "NHS number", 12, required=False, help_text="10 digits, like 943 476 5919"
    )

    FIELDS = ("name", "date_of_birth_day", "date_of_birth_month", "date_of_birth_year",
              "nhs_number")  # fmt: skip

    def clean_nhs_number(self) -> str:
        value = self.cleaned_data["nhs_number"]
        if value:
            validate_nhs_number(value)
        return normalise_nhs_number(value)

    def clean(self):
        data = super().clean()
        if not self.errors and not (
            data.get("name", "").strip() or data.get("date_of_birth") or data.get("nhs_number")
        ):
            self.add_error("name", "Enter a name, date of birth or NHS number to search for")
        return data

    @property
    def terms(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"].strip(),
            "date_of_birth": data["date_of_birth"],
            "nhs_number": data["nhs_number"],
        }


def responsible_authorities():
    return Agency.objects.filter(kind=Agency.Kind.SOCIAL_CARE).order_by("name")


class ChildForm(forms.Form):
    first_name = text_field("First name", 100)
    last_name = text_field("Last name", 100)
    aliases = forms.CharField(
        label="Known aliases and nicknames (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea,
        help_text="One on each line",
        error_messages={"max_length": "Aliases must be 2,000 characters or fewer in total"},
    )
    date_of_birth = DateField(label="Date of birth", required=False)
    gender = choice_field("Gender", Child.Gender.choices, "Select the child’s gender, or Not known")
    nhs_number = text_field("NHS number (optional)", 12, required=False)
    police_reference = text_field("Police reference (optional)", 50, required=False)
    local_authority_reference = text_field(
        "Local authority reference (optional)", 50, required=False
    )
    address = text_field("Current address (optional)", 300, required=False, widget=forms.Textarea)
    postcode = text_field("Postcode (optional)", 10, required=False, help_text=POSTCODE_HINT)
    looked_after = choice_field(
        "Is the child looked after by a local authority?",
        YES_NO,
        "Select yes if the child is looked after by a local authority",
    )
    responsible_authority = forms.ModelChoiceField(
        label="Responsible authority",
        queryset=responsible_authorities(),
        required=False,
        empty_label="Select the responsible authority",
        error_messages={"invalid_choice": "Select the responsible authority"},
    )
    concern = text_field("What is the concern?", 5000, widget=forms.Textarea,
                    missing="Enter what the concern is")  # fmt: skip
    # Shown only after a duplicate warning; counts only for the details it was shown for.
    confirm_different = forms.BooleanField(
        label="I have checked: this is a different child", required=False
    )
    checked_details = forms.CharField(required=False, widget=forms.HiddenInput, max_length=500)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["responsible_authority"].queryset = responsible_authorities()

    def clean_aliases(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["aliases"].splitlines()]
        aliases = [line for line in lines if line]
        if any(len(a) > 100 for a in aliases):
            raise forms.ValidationError("Each alias must be 100 characters or fewer")
        return aliases

    def clean_nhs_number(self) -> str:
        value = self.cleaned_data["nhs_number"]
        if value:
            validate_nhs_number(value)
        return normalise_nhs_number(value)

    def clean_postcode(self) -> str:
        value = self.cleaned_data["postcode"].strip()
        if value:
            validate_postcode(value)
        return value

    def clean(self):
        data = super().clean()
        if data.get("looked_after") == "yes" and not data.get("responsible_authority"):
            self.add_error("responsible_authority", "Select the responsible authority")
        return data

    @property
    def child_fields(self) -> dict:
        data = self.cleaned_data
        looked_after = data["looked_after"] == "yes"
        return {
            "first_name": data["first_name"],
            "last_name": data["last_name"],
            "date_of_birth": data["date_of_birth"],
            "gender": data["gender"],
            "nhs_number": data["nhs_number"],
            "police_reference": data["police_reference"],
            "local_authority_reference": data["local_authority_reference"],
            "address": data["address"],
            "postcode": data["postcode"],
            "looked_after": looked_after,
            "responsible_authority": data["responsible_authority"] if looked_after else None,
        }

    def details_key(self) -> str:
        """What a duplicate warning was about: the name, date of birth and NHS number."""
        data = self.cleaned_data
        born = data["date_of_birth"].isoformat() if data.get("date_of_birth") else ""
        name = searchable(f"{data['first_name']} {data['last_name']}")
        return f"{name}|{born}|{data['nhs_number']}"


# Moments: a date and a time typed apart (entries, placements, missing, contacts) ------

TIME_HINT = "Use the 24-hour clock, like 14:30"


def clock_field(label: str, what: str) -> forms.CharField:
    """A time typed as HH:MM; `what` names it in messages ("the time last seen")."""
    return text_field(label, 5, missing=f"Enter {what}", help_text=TIME_HINT)


def date_field(label: str, what: str, **kw) -> DateField:
    return DateField(label=label, error_messages={"required": f"Enter {what}"}, **kw)


class MomentsForm(forms.Form):
    """A form of dates and times typed apart, each pair one moment in UK time.

    `MOMENTS` maps a name to its (date field, time field, what the time is called).
    clean() puts each moment in cleaned_data under its name (cases.moments.local_instant).
    A time that happened twice that day (the clocks went back) is asked about: the form
    gains radios `<time field>_zone` (BST or GMT) with an error until one is chosen. A time
    that never happened (the clocks went forward) is refused. Each moment must then pass
    cases.moments.check_when: not before the child was born (`born`, else 1900), and no
    more than `AHEAD` from now (NOT_YET says so). `check_*` add an error to the date if
    the date alone is wrong, otherwise to the time, and drop the moment.
    """

    MOMENTS: dict[str, tuple[str, str, str]] = {}
    AHEAD = CLOCK_SKEW
    NOT_YET = ""  # the message for a moment more than AHEAD from now

    def __init__(self, *args, born: dt.date | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.born = born
        for _date, time_field, _what in self.MOMENTS.values():
            self.fields[f"{time_field}_zone"] = choice_field(
                "Which time do you mean?",
                [(moments.BST, moments.BST), (moments.GMT, moments.GMT)],
                "Select BST (the first time) or GMT (the second time)",
                required=False,
            )

    def clean(self):
        data = super().clean()
        for name, (date_field, time_field, what) in self.MOMENTS.items():
            typed = data.get(time_field)
            if typed is None:
                continue
            try:
                data[time_field] = _time(typed)
            except forms.ValidationError:
                self.add_error(time_field, f"Enter {what} using the 24-hour clock, like 14:30")
                continue
            if data.get(date_field) is not None:
                self._moment(name, data[date_field], data[time_field])
        return data

    def _moment(self, name: str, day: dt.date, time: dt.time) -> None:
        date_field, time_field, _ = self.MOMENTS[name]
        zone = f"{time_field}_zone"
        try:
            when = moments.local_instant(day, time)
        except moments.NonExistentTime as skipped:
            self.add_error(time_field, skipped.message)
            return
        except moments.AmbiguousTime as twice:
            # Asked until answered; shown again with the answer if the form comes back.
            asked = self.fields[zone]
            asked.choices, asked.asked = twice.choices, True
            # The bound field was made before clean() ran, with the label as it was then.
            asked.label = self[zone].label = (
                f"Which {moments.clock(time)} on {moments.day_said(day)} do you mean?"
            )
            when = twice.reading(self.cleaned_data.get(zone, ""))
            if when is None:
                self.add_error(zone, twice.message)
                return
        self.cleaned_data[name] = when
        try:
            moments.check_when(
                when, born=self.born, ahead=self.AHEAD, what=self.fields[date_field].label
            )
        except ValidationError as refused:
            early = refused.code == "early"
            message = refused.message if early or not self.NOT_YET else self.NOT_YET
            latest = timezone.now() + self.AHEAD
            wrong_day = early or timezone.localdate(when) > timezone.localdate(latest)
            self._refuse(name, wrong_day, message)

    def _refuse(self, name: str, wrong_day: bool, message: str) -> None:
        date_field, time_field, _ = self.MOMENTS[name]
        self.add_error(date_field if wrong_day else time_field, message)
        self.cleaned_data.pop(name, None)

    def check_not_before(self, name: str, earliest: dt.datetime, message: str) -> None:
        when = self.cleaned_data.get(name)
        if when is not None and when < earliest:
            wrong_day = timezone.localtime(when).date() < timezone.localtime(earliest).date()
            self._refuse(name, wrong_day, message)


def _time(value: str) -> dt.time:
    text = value.strip().replace(".", ":")
    try:
        hour, minute = (int(part) for part in text.split(":"))
        return dt.time(hour, minute)
    except ValueError:
        raise forms.ValidationError(
            "Enter the time it happened using the 24-hour clock, like 14:30"
        ) from None


class LanguagePrompts:
    """A form whose text is checked for words that blame a child (cases.language). The
    view saves only if `language_ok()`: every phrase found has been shown to the author,
    by this form sent back once or by the page's script. It never refuses twice."""

    PROMPTED: tuple[str, ...] = ()
    prompts: list = []

    def language_ok(self) -> bool:
        self.prompts = language.found_in(str(self.data.get(name, "")) for name in self.PROMPTED)
        seen = set(self.data.getlist(language.FIELD))
        return all(prompt.words in seen for prompt in self.prompts)


class EntryForm(LanguagePrompts, MomentsForm):
    MOMENTS = {"occurred_at": ("occurred_on", "occurred_time", "the time it happened")}
    NOT_YET = "The time it happened must be in the past"
    PROMPTED = ("text",)

    category = choice_field("Category", [("", "Select a category"), *(
        (c.value, c.label) for c in Entry.RECORDABLE)], "Select a category")  # fmt: skip
    occurred_on = DateField(
        label="Date it happened",
        error_messages={"required": "Enter the date it happened"},
    )
    occurred_time = text_field("Time it happened", 5, missing="Enter the time it happened",
                          help_text="Use the 24-hour clock, like 14:30")  # fmt: skip
    text = text_field("What happened", 5000, widget=forms.Textarea, missing="Enter what happened")
    restricted = forms.BooleanField(label="Only my agency can see this", required=False)

    @staticmethod
    def initial_for(entry: Entry | None = None) -> dict:
        when = timezone.localtime(entry.occurred_at if entry else timezone.now())
        initial = {"occurred_on": when.date(), "occurred_time": f"{when:%H:%M}"}
        if entry:
            initial |= {"category": entry.category, "text": entry.text}
        return initial


class AmendEntryForm(EntryForm):
    restricted = None
    PROMPTED = ("text", "reason")
    reason = text_field("Why are you amending it?", 500, widget=forms.Textarea,
                   missing="Enter why you are amending the entry")  # fmt: skip


def _several(label: str, choices) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label, choices=choices, required=False,
        error_messages={"invalid_choice": "Choose from the list"},
    )  # fmt: skip


class AssessmentForm(LanguagePrompts, forms.Form):
    """The lead agency's exploitation risk assessment (cases.assessments). The signs,
    vulnerabilities and protective factors inform; the practitioner chooses the level."""

    # Not the child's view: their own words are recorded as they said them.
    PROMPTED = ("analysis", "rationale")

    harm = _several("Signs that harm is happening", Harm.choices)
    vulnerabilities = _several("Vulnerabilities", Vulnerability.choices)
    protective = _several("Protective factors", Protective.choices)
    child_view = text_field(
        "The child’s view, in their own words", 4000, required=False, widget=forms.Textarea
    )
    analysis = text_field("Your analysis", 8000, widget=forms.Textarea,
                          missing="Enter your analysis")  # fmt: skip
    level = choice_field(
        "Level of risk", [(level.value, level.label) for level in ASSESSED_LEVELS],
        "Choose the level of risk: low, medium or high",
    )  # fmt: skip
    rationale = text_field("Why this level", 4000, widget=forms.Textarea,
                           missing="Enter why you chose this level")  # fmt: skip
    review_by = DateField(
        label="Review date", past_only=False,
        error_messages={"required": "Enter the date to review the assessment by"},
    )  # fmt: skip

    @staticmethod
    def initial_for() -> dict:
        return {"review_by": months_after(timezone.localdate(), settings.SCREENING_REVIEW_MONTHS)}

    def clean_review_by(self) -> dt.date:
        day = self.cleaned_data["review_by"]
        if error := review_date_error(day, timezone.localdate()):
            raise forms.ValidationError(error)
        return day


class ContributionForm(LanguagePrompts, forms.Form):
    """Another agency's part of the assessment: what it has seen and its analysis."""

    PROMPTED = ("analysis",)

    harm = _several("Signs that harm is happening your agency has seen", Harm.choices)
    analysis = text_field("Your agency’s analysis", 8000, widget=forms.Textarea,
                          missing="Enter your agency’s analysis")  # fmt: skip
    restricted = forms.BooleanField(label="Only my agency can see this", required=False)


class CloseForm(forms.Form):
    reason = text_field("Why are you closing the case?", 1000, widget=forms.Textarea,
                   missing="Enter why you are closing the case")  # fmt: skip


class DateRangeForm(forms.Form):
    """A filter form with fields `occurred_from` and `occurred_to` (declared by the form,
    in its own order): To may not be before From (the chronology, the access reports)."""

    def clean(self):
        data = super().clean()
        start, end = data.get("occurred_from"), data.get("occurred_to")
        if start and end and start > end:
            self.add_error("occurred_to", "To must be the same as or after From")
        return data


class ChronologyFilterForm(DateRangeForm):
    """The chronology's filters (GET). An invalid filter is reported and left out.

    `show` picks the view: every entry, or the significant events only (without the
    administrative entries, Entry.ADMINISTRATIVE). It rides along in the query string, so
    paging, printing and the CSV keep it."""

    ALL, SIGNIFICANT = "all", "significant"
    show = choice_field("Show", [(ALL, "All entries"), (SIGNIFICANT, "Significant events only")],
                        "Select all entries or significant events only", required=False,
                        initial=ALL)  # fmt: skip
    agency = choice_field("Agency", [], "Select an agency from the list", required=False)
    category = choice_field("Category", [("", "All categories"), *Entry.Category.choices],
                       "Select a category from the list", required=False)  # fmt: skip
    occurred_from = DateField(label="From", required=False)
    occurred_to = DateField(label="To", required=False)

    def __init__(self, *args, agencies: list[tuple[int, str]], **kwargs) -> None:
        """`agencies`: (id, name) of each agency the filter offers, in order."""
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = [("", "All agencies"),
                                         *((str(pk), name) for pk, name in agencies)]  # fmt: skip

    @property
    def filters(self) -> dict:
        """The valid filters, as `cases.selectors.chronology` takes them."""
        data = self.cleaned_data if self.is_bound else {}
        valid = {k: v for k, v in data.items() if k not in self.errors}
        return {
            "agency_id": int(valid["agency"]) if valid.get("agency") else None,
            "category": valid.get("category") or "",
            "occurred_from": valid.get("occurred_from"),
            "occurred_to": valid.get("occurred_to"),
            "significant": valid.get("show") == self.SIGNIFICANT,
        }

    @property
    def narrowed(self) -> bool:
        """Whether any filter besides the view is in force (the filters panel opens)."""
        f = self.filters
        return bool(f["agency_id"] or f["category"] or f["occurred_from"] or f["occurred_to"])

    @property
    def described(self) -> dict:
        """The filters for the audit log: small, machine-readable, no case text."""
        f = self.filters
        return {
            "agency": f["agency_id"],
            "category": f["category"],
            "from": f["occurred_from"].isoformat() if f["occurred_from"] else None,
            "to": f["occurred_to"].isoformat() if f["occurred_to"] else None,
            "significant": f["significant"],
        }


class JourneyForm(DateRangeForm):
    """The range of the child's journey (GET): the last 12 months to today unless the
    person gives From or To, and at most `journey.MAX_YEARS` long."""

    occurred_from = DateField(label="From", required=False)
    occurred_to = DateField(label="To", required=False)

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        first, last = self._days(data)
        if journey.too_long(first, last):
            to = "To" if data.get("occurred_to") else "today"
            self.add_error(
                "occurred_from", f"From must be no more than {journey.MAX_YEARS} years before {to}"
            )
        return data

    @staticmethod
    def _days(data: dict) -> tuple[dt.date, dt.date]:
        last = data.get("occurred_to") or timezone.localdate()
        first = data.get("occurred_from") or journey.default_range(last)[0]
        return first, last

    @property
    def days(self) -> tuple[dt.date, dt.date] | None:
        """The first and last day to show; None while what was typed has errors."""
        if not self.is_bound:
            return journey.default_range()
        return self._days(self.cleaned_data) if self.is_valid() else None
