from django.apps import AppConfig


class LinksConfig(AppConfig):
    name = "links"
    verbose_name = "People, vehicles, places and phones of concern"
