from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "sharing"
    verbose_name = "Shares and emergency access"

    def ready(self) -> None:
        """Take part in `cases` through its registry: `cases` never imports sharing."""
        from cases import registry
        from sharing import selectors, services

        registry.on_case_opened(services.give_access_to_new_case)
        registry.add_case_page_context(selectors.case_page_context)
