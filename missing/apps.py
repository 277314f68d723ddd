from django.apps import AppConfig


class MissingConfig(AppConfig):
    name = "missing"
    verbose_name = "Placements and missing from care"

    def ready(self) -> None:
        """Fill the case page's placement and missing section, and add placements and
        missing episodes to the child's journey (cases may not import us)."""
        from cases import registry
        from missing.journey import journey_events
        from missing.panels import placement_and_missing

        registry.add_case_page_context(placement_and_missing)
        registry.add_journey_events(journey_events)
