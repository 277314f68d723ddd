from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0003_delivery_sending_since"),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="withdrawn_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="notification",
            name="kind",
            field=models.CharField(
                choices=[
                    ("placement", "Child placed in your area"),
                    ("placement_ended", "Placement ended"),
                    ("missing", "Child missing"),
                    ("returned", "Missing child returned"),
                    ("return_interview_overdue", "Return home interview overdue"),
                    ("partner_check", "MASH partner check requested"),
                    ("contact_outcome", "MASH decision on your contact"),
                    ("own_case_opened", "A partner opened its own case on your child"),
                    ("check_closed", "MASH check closed: no answer needed"),
                ],
                max_length=30,
            ),
        ),
    ]
