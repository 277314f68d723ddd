from django.apps import AppConfig


class TriageConfig(AppConfig):
    name = "triage"
    verbose_name = "MASH triage"

    def ready(self) -> None:
        """Flag contacts and checks about a child on its cases (`cases` never imports us)."""
        from cases import registry
        from triage import flags

        registry.add_case_flags(flags.triage_flags)
