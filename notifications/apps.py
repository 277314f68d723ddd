from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        """Tell a managing agency when a partner opens its own case on the child, flag
        notices not yet acknowledged on a case, and acknowledge an event's notification
        with the share it made (`cases` and `sharing` offer the hooks; they never import
        notifications)."""
        from cases import registry
        from notifications import flags, reviews, services  # noqa: F401 - reviews' task
        from sharing import registry as sharing_registry

        registry.on_case_opened(services.tell_whose_child_it_is)
        registry.add_case_flags(flags.notification_flags)
        # A share made for an event is acknowledged with the event's notification.
        sharing_registry.on_share_acknowledged(services.acknowledge_with_share)
        # Someone broke the glass on a case: its managing agencies are told (issue 19).
        sharing_registry.on_emergency_access(services.tell_of_emergency_access)
