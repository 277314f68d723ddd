"""The forms that link a thing of concern to a case: the kind first, then its own fields."""

from django import forms

from cases.forms import DateField, choice_field, text_field
from links.models import Link, Thing


class KindForm(forms.Form):
    kind = choice_field("What do you want to link to this case?", Thing.Kind.choices,
                        "Choose a person, vehicle, place, phone number or account")  # fmt: skip


class LinkForm(forms.Form):
    """What every link says: when and how the agency learned of it, and who may read it."""

    learned_on = DateField(
        label="Date your agency learned of it",
        error_messages={"required": "Enter the date your agency learned of it"},
    )
    learned_how = choice_field("How did your agency learn of it?", Link.Learned.choices,
                               "Choose how your agency learned of it")  # fmt: skip
    restricted = forms.BooleanField(label="Only my agency can see this", required=False)

    COMMON = ("learned_on", "learned_how", "restricted")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The thing first, then when and how it was learned, then who may read it.
        self.order_fields([n for n in self.fields if n not in self.COMMON] + list(self.COMMON))

    def written(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k not in self.COMMON}


class PersonForm(LinkForm):
    name = text_field("Name or nickname", 200, missing="Enter the person's name or nickname")
    aliases = text_field("Other names", 1000, required=False, widget=forms.Textarea,
                         help_text="One a line")  # fmt: skip
    date_of_birth = DateField(label="Date of birth", required=False)
    approximate_age = forms.IntegerField(label="Approximate age", required=False, min_value=0,
                                         max_value=120)  # fmt: skip
    description = text_field("Description", 2000, required=False, widget=forms.Textarea)
    relationship = choice_field("Relationship to the child", Link.Relationship.choices,
                                "Choose the relationship to the child")  # fmt: skip
    ethnicity = choice_field(
        "Ethnicity", Link.Ethnicity.choices, "Choose the ethnicity, or Not known"
    )
    nationality = text_field("Nationality", 100, required=False,
                             help_text="Leave blank if not known")  # fmt: skip


class VehicleForm(LinkForm):
    registration = text_field("Registration", 20, missing="Enter the registration, like AB12 CDE")
    make = text_field("Make and model", 100, required=False)
    colour = text_field("Colour", 50, required=False)
    taxi = forms.BooleanField(label="A taxi or private hire vehicle", required=False)
    operator = text_field("Taxi or private hire operator", 200, required=False)


class PlaceForm(LinkForm):
    address = text_field("Address", 500, required=False, widget=forms.Textarea)
    postcode = text_field("Postcode", 10, required=False)
    venue = text_field("Name of the place", 200, required=False,
                       help_text="For a park, shop or takeaway without an address")  # fmt: skip
    place_type = choice_field("Type of place", Link.PlaceType.choices, "Choose the type of place")


class PhoneForm(LinkForm):
    number = text_field("Phone number", 40, missing="Enter the phone number")


class AccountForm(LinkForm):
    platform = text_field(
        "Where the account is", 100, missing="Enter where the account is, like Snapchat"
    )
    handle = text_field("Account name", 200, missing="Enter the account's name, like @example")


FORMS = {
    Thing.Kind.PERSON: PersonForm,
    Thing.Kind.VEHICLE: VehicleForm,
    Thing.Kind.PLACE: PlaceForm,
    Thing.Kind.PHONE: PhoneForm,
    Thing.Kind.ACCOUNT: AccountForm,
}
