from django.apps import AppConfig


class LinksConfig(AppConfig):
    name = "links"
    verbose_name = "People, vehicles, places and phones of concern"

    def ready(self) -> None:
        from links import matching  # noqa: F401 - its Celery tasks
