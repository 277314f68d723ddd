from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Audit"

    def ready(self) -> None:
        # Each app declares the actions it records (audit/actions.py).
        autodiscover_modules("audit_actions")
