{#- One row per reason a source row was rejected (error: not published) or
    flagged (warning: published and reported), for every pyERP entity in
    var('pyerp_entities'). A view, so it is always as current as the
    intermediate models it reads; the flow copies it into
    pyerp_sync.rejects for each run. -#}
{%- set entities = var('pyerp_entities') or [] %}

{%- if entities | length == 0 %}

    select
        null::text as entity,
        null::text as legacy_key,
        null::text as reason,
        null::text as severity,
        null::text as details
    where false

{%- else %}

    {%- for entity in entities %}

        select
            '{{ entity }}'::text as entity,
            validated.legacy_key::text as legacy_key,
            reasons.reason::text as reason,
            reasons.severity::text as severity,
            null::text as details
        from {{ ref('int_' ~ entity ~ '_validated') }} as validated
        cross join
            lateral (
                select
                    error_reason.reason,
                    'error' as severity
                from
                    unnest(validated.rejection_reasons) as error_reason (reason)
                union all
                select
                    warning_reason.reason,
                    'warning' as severity
                from
                    unnest(validated.warning_reasons) as warning_reason (reason)
            ) as reasons
        {% if not loop.last %}union all{% endif %}

    {%- endfor %}

{%- endif %}
