"""The Django admin's pages as the tests reach them."""

from django.urls import reverse


def admin_url(model, view: str, *args) -> str:
    """The admin page of a model: its changelist, add, change or delete view."""
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def admin_form_data(response) -> dict[str, object]:
    """What the browser would post back from an admin change page left as it was shown, inlines included."""
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    data = {}
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is False:
                continue
            data[form.add_prefix(name)] = "on" if value is True else ("" if value is None else value)
    return data
