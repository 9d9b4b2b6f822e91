{#- One row per reason a source row was rejected (error: not published) or
    flagged (warning: published and reported), for every pyERP entity in
    var('pyerp_entities'). A view, so it is always as current as the
    intermediate models it reads; the flow copies it into
    pyerp_sync.rejects for each run. An entity whose validated model does
    not exist yet (a first run limited with --only) is left out until it
    does: the view is rebuilt on every run. -#}
{%- set branches = [] %}
{%- for entity in var('pyerp_entities') or [] %}
    {%- set validated = ref('int_' ~ entity ~ '_validated') %}
    {%- if not execute or load_relation(validated) is not none %}
        {%- do branches.append((entity, validated)) %}
    {%- endif %}
{%- endfor %}

{%- if branches | length == 0 %}

    select
        null::text as entity,
        null::text as legacy_key,
        null::text as business_key,
        null::text as reason,
        null::text as severity,
        null::jsonb as details
    where false

{%- else %}

    {%- for entity, validated in branches %}

        select
            '{{ entity }}'::text as entity,
            validated.legacy_key::text as legacy_key,
            validated.business_key::text as business_key,
            reasons.reason::text as reason,
            reasons.severity::text as severity,
            validated.reason_details -> reasons.reason as details
        from {{ validated }} as validated
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
