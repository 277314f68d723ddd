from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Access reports"

    def ready(self) -> None:
        """Fill the case page's recent activity section (cases may not import us)."""
        from cases import registry
        from reports.panels import recent_activity

        registry.add_case_page_context(recent_activity)
