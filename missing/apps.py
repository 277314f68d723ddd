from django.apps import AppConfig


class MissingConfig(AppConfig):
    name = "missing"
    verbose_name = "Placements and missing from care"

    def ready(self) -> None:
        """Flag missing, placement and return interviews on cases (cases.flags): `cases`
        may not import us."""
        from cases import registry
        from missing.flags import missing_flags

        registry.add_case_flags(missing_flags)
