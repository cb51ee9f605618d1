# Label links carry a copy of their conversation's status and last activity,
# so the label filter reads a page in index order instead of sorting every link.

import django.utils.timezone
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_from_conversations(apps, schema_editor):
    Conversation = apps.get_model("conversations", "Conversation")
    ConversationLabel = apps.get_model("conversations", "ConversationLabel")
    conversation = Conversation.all_workspaces.filter(pk=OuterRef("conversation_id"))
    ConversationLabel.all_workspaces.update(
        status=Subquery(conversation.values("status")),
        last_activity_at=Subquery(conversation.values("last_activity_at")),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("conversations", "0004_outbox"),
    ]

    operations = [
        migrations.AddField(
            model_name="conversationlabel",
            name="status",
            field=models.CharField(
                choices=[("open", "Open"), ("pending", "Pending"), ("snoozed", "Snoozed"), ("resolved", "Resolved")],
                default="open",
                max_length=16,
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="conversationlabel",
            name="last_activity_at",
            field=models.DateTimeField(default=django.utils.timezone.now),
            preserve_default=False,
        ),
        migrations.RunPython(copy_from_conversations, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="conversationlabel",
            constraint=models.CheckConstraint(
                condition=models.Q(("status__in", ["open", "pending", "snoozed", "resolved"])),
                name="conversationlabel_status_valid",
            ),
        ),
        migrations.RemoveIndex(
            model_name="conversationlabel",
            name="convlabel_ws_label",
        ),
        migrations.AddIndex(
            model_name="conversationlabel",
            index=models.Index(
                fields=["workspace", "label", "status", "-last_activity_at"], name="convlabel_ws_label_activity"
            ),
        ),
    ]
