"""The meetings API's shapes (issue 22, item 5)."""

from rest_framework import serializers

from cases.serializers import AgencySerializer, AwareDateTime, Text
from meetings.models import Action, Attendance, Meeting, MinutesItem


class CaseNamed(serializers.Serializer):
    """A discussed child's case the reader may see (the others are not named)."""

    id = serializers.IntegerField()
    reference = serializers.CharField()
    child_name = serializers.CharField(source="child.full_name")


class AttendanceSerializer(serializers.ModelSerializer):
    agency = AgencySerializer()

    class Meta:
        model = Attendance
        fields = ["agency", "status", "names"]


class ItemSerializer(serializers.ModelSerializer):
    agency = AgencySerializer()
    written_by = serializers.StringRelatedField()

    class Meta:
        model = MinutesItem
        fields = ["id", "case", "agency", "written_by", "written_at", "decision", "text",
                  "restricted", "published_at"]  # fmt: skip


class ActionSerializer(serializers.ModelSerializer):
    owner = AgencySerializer(help_text="The agency that does it, and alone closes it.")
    owner_person = serializers.StringRelatedField()
    case_reference = serializers.CharField(source="case.reference")
    closed_by = serializers.StringRelatedField()
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Action
        fields = ["id", "meeting", "case", "case_reference", "text", "owner", "owner_person",
                  "due_on", "overdue_from", "overdue", "status", "note", "closed_by",
                  "closed_at", "escalated_at"]  # fmt: skip

    def get_overdue(self, action: Action) -> bool:
        return action.overdue()


class MeetingSerializer(serializers.ModelSerializer):
    chair = serializers.StringRelatedField()
    agency = AgencySerializer(help_text="The chair's agency, which organises it.")
    area = serializers.SlugRelatedField(slug_field="ons_code", read_only=True)

    class Meta:
        model = Meeting
        fields = ["id", "kind", "held_at", "chair", "agency", "area", "published_at"]


class MeetingDetailSerializer(MeetingSerializer):
    children = CaseNamed(many=True, help_text="The discussed children you may see.")
    attendance = AttendanceSerializer(many=True, source="attendance_rows")
    items = ItemSerializer(many=True, source="items_seen", help_text="Minutes you may read.")
    actions = ActionSerializer(
        many=True, source="actions_seen", help_text="Actions about children you may see."
    )

    class Meta(MeetingSerializer.Meta):
        fields = [*MeetingSerializer.Meta.fields, "children", "attendance", "items", "actions"]


class NewMeetingSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Meeting.Kind.choices)
    held_at = AwareDateTime(help_text="With its offset from UTC.")
    cases = serializers.ListField(child=serializers.IntegerField(min_value=1), min_length=1,
                                  max_length=50, help_text="Case ids you may see.")  # fmt: skip
    agencies = serializers.ListField(child=serializers.IntegerField(min_value=1), default=list,
                                     max_length=50, help_text="Agency ids to ask.")  # fmt: skip
    area = serializers.CharField(required=False, help_text="ONS code: required for a MACE.")


class NewActionSerializer(serializers.Serializer):
    case = serializers.IntegerField(min_value=1, help_text="A discussed case you may see.")
    text = Text(max_length=2000)
    owner = serializers.IntegerField(min_value=1, help_text="The agency that will do it.")
    owner_person = serializers.IntegerField(
        min_value=1, required=False, help_text="Optionally, someone who works for it."
    )
    due_on = serializers.DateField()


class CloseActionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=[("done", "Done"), ("dropped", "Dropped")])
    note = Text(max_length=4000, help_text="What was done, or why it was dropped.")


class ActionFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Action.Status.choices, required=False)
