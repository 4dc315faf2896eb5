from django.db import migrations

# The roles of SPEC.md as groups, with the model permissions each needs in the admin.
# Admins are superusers and need no group.
ROLE_PERMISSIONS = {
    "analyst": {
        "events": ["add", "change", "view"],
        "sources": ["add", "change", "view"],
        "actors": ["view"],
    },
    "editor": {
        "events": ["add", "change", "view"],
        "sources": ["add", "change", "view"],
        "actors": ["add", "change", "view"],
    },
    "researcher": {},
}


def create_role_groups(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are created after migrations by default; this migration needs them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, grants in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        for app_label, actions in grants.items():
            group.permissions.add(
                *Permission.objects.filter(
                    content_type__app_label=app_label, codename__regex=rf"^({'|'.join(actions)})_"
                ).exclude(codename__endswith="event")
            )


def delete_role_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0003_casualty_perpetrator_same_incident"),
        ("actors", "0001_initial"),
        ("sources", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_role_groups, delete_role_groups)]
