"""SQL the ORM compiles once per process rather than at every request, for a lookup whose shape never changes and
whose building and compiling cost more than running it (a token's, an actor name's)."""


def compiled_sql(queryset, *placeholders) -> str:
    """The SQL of `queryset`, built with `placeholders` as its only parameters, in that order: the caller runs it with
    its own values in their place. A query with any other parameter (a constant Django passed as one) would run with
    the wrong values, so it is refused."""
    sql, params = queryset.query.sql_with_params()
    if params != placeholders:
        raise ValueError(f"The query takes the parameters {params!r}, not only {placeholders!r}.")
    return sql
