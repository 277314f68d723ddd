"""Forms for signing in, the second factor and API tokens, with GOV.UK error messages."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator

from people.tokens import LIFETIME_CHOICES


class SignInForm(AuthenticationForm):
    # One message for a wrong username or a wrong password: never say which was wrong.
    error_messages = {
        "invalid_login": "Enter a correct username and password",
        "inactive": "Enter a correct username and password",
    }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        username = self.fields["username"]
        username.error_messages["required"] = "Enter your username"
        # AuthenticationForm sets max_length after building the field, so it is never
        # checked: an over-long name would reach django-axes' varchar(255) and fail (500).
        username.validators.append(MaxLengthValidator(username.max_length))
        username.error_messages["max_length"] = "Enter a correct username and password"
        self.fields["password"].error_messages["required"] = "Enter your password"


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code from your authenticator app",
        max_length=12,
        error_messages={"required": "Enter the 6-digit code from your authenticator app"},
    )

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        if not (code.isdigit() and len(code) == 6):
            raise forms.ValidationError("Enter the code as 6 digits, like 123456")
        return code


class RecoveryCodeForm(forms.Form):
    code = forms.CharField(
        label="Recovery code",
        max_length=20,
        error_messages={"required": "Enter one of your recovery codes"},
    )


class TokenForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=100,
        help_text="What the token is for, like ‘Force case system link’.",
        error_messages={
            "required": "Enter a name for the token",
            "max_length": "Name must be 100 characters or fewer",
        },
    )
    days = forms.TypedChoiceField(
        label="Expires after",
        choices=LIFETIME_CHOICES,
        coerce=int,
        initial=30,
        error_messages={"required": "Choose when the token expires",
                        "invalid_choice": "Choose when the token expires"},
    )  # fmt: skip
