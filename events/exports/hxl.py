"""HXL (`format=acled-hxl`, `format=ucdp-hxl`): the same files with, under the header, the row of HXL hashtags the
Humanitarian Data Exchange publishes with ACLED's and UCDP's files (ACLED_HXL, UCDP_HXL); a column HDX leaves
untagged stays untagged. The importer skips that row.
"""

# -- HXL -------------------------------------------------------------------------------------------------------------

# The hashtags of ACLED's columns in the files the Humanitarian Data Exchange publishes; HDX tags no other column
# (time_precision, disorder_type, interaction, civilian_targeting, geo_precision, source_scale, tags).
ACLED_HXL = {
    "event_id_cnty": "#event+code",
    "event_date": "#date+occurred",
    "year": "#date+year",
    "event_type": "#event+type",
    "sub_event_type": "#event+type+sub",
    "actor1": "#group+name+first",
    "assoc_actor_1": "#group+name+first+assoc",
    "inter1": "#group+code+first",
    "actor2": "#group+name+second",
    "assoc_actor_2": "#group+name+second+assoc",
    "inter2": "#group+code+second",
    "iso": "#country+code",
    "region": "#region+name",
    "country": "#country+name",
    "admin1": "#adm1+name",
    "admin2": "#adm2+name",
    "admin3": "#adm3+name",
    "location": "#loc+name",
    "latitude": "#geo+lat",
    "longitude": "#geo+lon",
    "source": "#meta+source",
    "notes": "#description",
    "fatalities": "#affected+killed",
    "timestamp": "#date+epoch",
}
# The hashtags of the GED columns in UCDP's files on HDX (their second row), the others untagged as there.
UCDP_HXL = {
    "year": "#date+year",
    "side_a": "#group+name+first",
    "side_b": "#group+name+second",
    "source_article": "#meta+source",
    "source_headline": "#description",
    "where_coordinates": "#loc+name",
    "adm_1": "#adm1+name",
    "adm_2": "#adm2+name",
    "latitude": "#geo+lat",
    "longitude": "#geo+lon",
    "country": "#country+name",
    "iso3": "#country+code",
    "region": "#region+name",
    "date_start": "#date+start",
    "date_end": "#date+end",
    "best": "#affected+killed",
}
