from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "people"
    verbose_name = "Agencies and people"

    def ready(self) -> None:
        from people import (
            schema,  # noqa: F401  (describes our authentication in the OpenAPI schema)
            signals,  # noqa: F401  (connects the audit receivers)
        )
