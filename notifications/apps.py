from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        """Tell a managing agency when a partner opens its own case on the child, and flag
        notices not yet acknowledged on a case (`cases` offers the hooks; it never imports
        notifications)."""
        from cases import registry
        from notifications import flags, services

        registry.on_case_opened(services.tell_whose_child_it_is)
        registry.add_case_flags(flags.notification_flags)
