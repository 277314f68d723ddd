from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "sharing"
    verbose_name = "Agencies and people"

    def ready(self) -> None:
        from sharing import signals  # noqa: F401  (connects the audit receivers)
