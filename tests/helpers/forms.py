"""What a browser posts to the incident form: its fields, each formset's rows, a new source's evidence."""

PREFIXES = ("participants", "casualties", "victims", "property", "evidence")
# The incident's own fields, filled in as a person would.
FIELDS = {
    "title": "Civilians killed in Moura market",
    "notes": "Soldiers and foreign fighters surrounded the market.",
    "start_date": "2025-03-27",
    "end_date": "2025-03-31",
    "date_precision": "day",
    "country": "MLI",
    "admin1": "Mopti",
    "admin2": "Djenné",
    "admin3": "Dandoli",
    "location_name": "Moura",
    "latitude": "14.14",
    "longitude": "-4.29",
    "geo_precision": "1",
    "event_type": "Violence against civilians",
    "sub_event_type": "Attack",
    "violence_type": "3",
    "civilian_targeting": "on",
}


def form_data(fields=None, version=None, **rows) -> dict:
    """The POST a browser sends: the incident's fields and each formset's rows with its management form."""
    data = dict(FIELDS if fields is None else fields)
    if version is not None:
        data["version"] = version
    for prefix in PREFIXES:
        items = rows.get(prefix, [])
        data[f"{prefix}-TOTAL_FORMS"] = len(items)
        data[f"{prefix}-INITIAL_FORMS"] = sum(1 for item in items if item.get("id"))
        data[f"{prefix}-MIN_NUM_FORMS"] = 0
        data[f"{prefix}-MAX_NUM_FORMS"] = 1000
        for index, item in enumerate(items):
            for name, value in item.items():
                data[f"{prefix}-{index}-{name}"] = value
    return data


def evidence(**overrides) -> dict:
    return {
        "source": "",
        "source_name": "Human Rights Watch",
        "source_kind": "human_rights_ngo",
        "source_reliability": "B",
        "document_title": "Mali: Massacre by Army, Foreign Soldiers",
        "document_url": "https://www.hrw.org/news/2022/04/05/mali-massacre",
        "document_author": "Corinne Dufka",
        "document_published_on": "2025-04-05",
        "document_language": "en",
        "document_excerpt": "Malian soldiers and foreign fighters executed some 300 civilian men.",
        "claim_quote": "executed an estimated 300 civilian men",
        "claim_actors": ["0", "1"],
        "claim_harm": "killed",
        "claim_victim_status": "civilian",
        "claim_figure_low": "300",
        "claim_figure_best": "300",
        "claim_figure_high": "350",
        **overrides,
    }
