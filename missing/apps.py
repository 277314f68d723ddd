from django.apps import AppConfig


class MissingConfig(AppConfig):
    name = "missing"
    verbose_name = "Placements and missing from care"
