"""The access-report API's shapes: audit events as a report shows them, and the filters."""

from rest_framework import serializers

from audit.actions import Action
from cases.serializers import QueryId, Text
from reports import events


class EventSerializer(serializers.Serializer):
    """One audit event, as an access report shows it."""

    id = serializers.IntegerField()
    occurred_at = serializers.DateTimeField()
    action = serializers.CharField(help_text="What was done, as a code (`case_viewed`...).")
    action_label = serializers.CharField(source="get_action_display")
    actor_id = serializers.IntegerField(allow_null=True, help_text="Who; null if anonymous.")
    actor_username = serializers.CharField(allow_blank=True)
    actor_agency_id = serializers.IntegerField(allow_null=True)
    actor_agency = serializers.CharField(allow_blank=True, help_text="Their agency then.")
    target_type = serializers.CharField(allow_blank=True, help_text="case, child, person...")
    target_id = serializers.CharField(allow_blank=True)
    under = serializers.SerializerMethodField(
        help_text="For a read of a case: the share or emergency access it was made under."
    )
    request_id = serializers.CharField(allow_blank=True)
    client_address = serializers.CharField(allow_null=True)
    detail = serializers.DictField(help_text="Small machine-readable facts; never case text.")

    def get_under(self, event) -> str:
        return events.under(event)


class EventFilterSerializer(serializers.Serializer):
    case = QueryId(required=False, help_text="Only events about this case.")
    child = QueryId(
        required=False,
        help_text="Only events about this child: the child, their cases, searches that "
        "showed them.",
    )
    actor = Text(required=False, max_length=150, help_text="A username, or a person's id.")
    action = serializers.ChoiceField(choices=Action.choices, required=False)
    occurred_from = serializers.DateField(required=False, help_text="On or after this day.")
    occurred_to = serializers.DateField(required=False, help_text="On or before this day.")

    def validate(self, data: dict) -> dict:
        start, end = data.get("occurred_from"), data.get("occurred_to")
        if start and end and start > end:
            raise serializers.ValidationError(
                {"occurred_to": ["Give a day on or after occurred_from."]}
            )
        return data
