from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "Children and cases"

    def ready(self) -> None:
        """The case's own flag (its CSE risk) joins those higher apps add (cases.flags)."""
        from cases import registry, risk

        registry.add_case_flags(risk.risk_flags)
