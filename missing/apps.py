from django.apps import AppConfig


class MissingConfig(AppConfig):
    name = "missing"
    verbose_name = "Placements and missing from care"

    def ready(self) -> None:
        """Flag missing, placement and return interviews on cases (cases.flags), and add
        placements and missing episodes to the child's journey: `cases` may not import us."""
        from cases import registry
        from missing.flags import missing_flags
        from missing.journey import journey_events

        registry.add_case_flags(missing_flags)
        registry.add_journey_events(journey_events)
