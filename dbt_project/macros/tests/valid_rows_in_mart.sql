{#- Generic test on a merge mart: every row of its validated intermediate
    model without rejection reasons is in the mart, with the same content
    (its content hash recomputed from the validated row, matched on `key`),
    so a build leaves no valid row behind and no stale version of one.
    Together with row_count_reconciles on the validated model: source rows =
    valid (published) + rejected. Fails with one row per valid row missing
    from the mart or differing from it. -#}
{% test valid_rows_in_mart(model, validated_model, key) %}

select
    validated.{{ key }},
    mart.content_hash as mart_hash
from {{ validated_model }} as validated
left join {{ model }} as mart
    on validated.{{ key }} = mart.{{ key }}
where
    cardinality(validated.rejection_reasons) = 0
    and mart.content_hash is distinct from
    {{ pyerp_content_hash(model.identifier, 'validated') }}

{% endtest %}
