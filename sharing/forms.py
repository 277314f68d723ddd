"""The sign-in form, with the error messages the GOV.UK Design System asks for."""

from django.contrib.auth.forms import AuthenticationForm


class SignInForm(AuthenticationForm):
    # One message for a wrong username or a wrong password: never say which was wrong.
    error_messages = {
        "invalid_login": "Enter a correct username and password",
        "inactive": "Enter a correct username and password",
    }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].error_messages["required"] = "Enter your username"
        self.fields["password"].error_messages["required"] = "Enter your password"
        self.fields["username"].widget.attrs.update(
            {"class": "govuk-input", "spellcheck": "false", "autocomplete": "username"}
        )
        self.fields["password"].widget.attrs.update(
            {"class": "govuk-input govuk-password-input__input govuk-js-password-input-input",
             "autocomplete": "current-password", "spellcheck": "false",
             "autocapitalize": "none"}
        )  # fmt: skip
