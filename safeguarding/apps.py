from django.apps import AppConfig


class SafeguardingConfig(AppConfig):
    name = "safeguarding"
    verbose_name = "Safeguarding Hub"

    def ready(self) -> None:
        from safeguarding import checks  # noqa: F401  (registers the project's checks)
