from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        """Tell a managing agency when a partner opens its own case on the child (`cases`
        offers the hook; it never imports notifications)."""
        from cases import registry
        from notifications import services

        registry.on_case_opened(services.tell_whose_child_it_is)
