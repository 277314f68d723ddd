from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = "Strategy discussions, exploitation meetings and actions"

    def ready(self) -> None:
        from cases import registry
        from meetings import agenda, flags, tasks  # noqa: F401 - tasks: the escalation's task

        registry.add_case_flags(flags.action_flags)
        registry.on_concern_raised(agenda.propose)
