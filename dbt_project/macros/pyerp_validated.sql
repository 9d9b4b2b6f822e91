{#- The last step of every int_<table>_validated model: the Django field
    rules of the mart's contract, the casts to pyERP's types, and each
    reason's details. Reads `relation` (the model's checked CTE), which has
    legacy_key, is_deleted, every contract column (by name, in any loose
    type), rejection_reasons and warning_reasons (text[]), and staging's
    unreadable_attributes unless `unreadable` is false.

    Per contract column, before the cast (so no cast ever cuts a value):
      varchar(n)       at most n characters            value_too_long
      numeric(d,p)     at most p places, d-p whole     too_many_digits
                       digits (PostgreSQL would round
                       the places, Django refuses them)
      integer/bigint   the 32/64-bit range; a          out_of_range
                       PositiveIntegerField >= 0
      EmailField       Django's EmailValidator         invalid_email
      choices          one of the declared values      invalid_choice
      required         not NULL and not ''             required_value_missing
                       (Django's blank=False); a NOT
                       NULL column that is not text:
                       not NULL
    One decision for failures: a required column (`required`, a NOT NULL
    column that has no empty value, or a column of the sync's own such as a
    natural key) rejects the row; an optional one is published empty ('' for
    NOT NULL text, else NULL) with a warning. Details name the column, the
    value as 4D gave it and the rule. required_value_missing is only checked
    on rows no business check rejected (missing_key & co. already say it).
    A NOT NULL text column that is NULL becomes '' (Django's empty string).

    `business_key`: the SQL of the key pyERP users know the row by.
    `details`: reason -> SQL of a jsonb object, for the business reasons of
    the model (which column, value or missing parent); a reason listed in
    neither gets no details, which a test on sync_rejects refuses. The
    reasons every model words alike have their details here already
    (pyerp_shared_details), so `details` lists only the model's own.
    `key`: the column, or the columns, of the row's unique keys, its own key
    first: the details of missing_key name the first, those of duplicate_key
    give the values of all.
    `unreadable`: whether the rows carry unreadable_attributes (rows of a 4D
    table whose values staging parses), which the details of
    unreadable_value read; false for derived rows and text-only tables.
    `keep`: further columns of `relation` the model's tests or readers need. -#}
{% macro pyerp_validated(
    relation, table, business_key, key=none, details={}, keep=[],
    unreadable=true
) -%}
    {%- set details = pyerp_shared_details(details, key, unreadable) -%}
    {%- if execute and graph.nodes is not defined -%}
        {{ return(pyerp_validated_in_unit_test(relation, business_key, details)) }}
    {%- endif -%}
    {%- set columns = pyerp_contract_columns(table) | rejectattr('name', 'equalto', 'content_hash') | list -%}
    {%- set rejecting, warning = {}, {} -%}
    {%- for column in columns -%}
        {%- set rules = pyerp_column_rules(relation ~ '.' ~ adapter.quote(column.name), column) -%}
        {%- set django = column.django or {} -%}
        {%- set is_text = column.data_type.startswith('varchar') or column.data_type == 'text' -%}
        {%- set hard = django.get('required') or django == {} or (column.not_null and not is_text) -%}
        {%- for reason, failure, rule in rules -%}
            {%- set bucket = rejecting if hard or reason == 'required_value_missing' else warning -%}
            {%- do bucket.setdefault(reason, []).append((column.name, failure, rule)) -%}
        {%- endfor -%}
    {%- endfor %}

    select
        {%- if 'legacy_key' not in columns | map(attribute='name') %}
        {{ relation }}.legacy_key,
        {%- endif %}
        ({{ business_key }})::text as business_key,
        {%- for name in keep %}
        {{ relation }}.{{ name }},
        {%- endfor %}
        {%- for column in columns %}
        {%- set value = relation ~ '.' ~ adapter.quote(column.name) %}
        {%- set is_text = column.data_type.startswith('varchar') or column.data_type == 'text' %}
        {%- set empty = "''" if is_text and column.not_null else 'null' %}
        {%- set failures = pyerp_column_rules(value, column) | map(attribute=1) | list %}
        {%- set kept = "coalesce(" ~ value ~ "::text, '')" if is_text and column.not_null else value %}
        {%- if failures %}
        (case
            when {{ failures | join(' or ') }} then {{ empty }}
            else {{ kept }}
        end)::{{ column.data_type }} as {{ adapter.quote(column.name) }},
        {%- else %}
        ({{ kept }})::{{ column.data_type }} as {{ adapter.quote(column.name) }},
        {%- endif %}
        {%- endfor %}
        {{ relation }}.rejection_reasons || {{ pyerp_failed_reasons(rejecting) }}
            as rejection_reasons,
        {{ relation }}.warning_reasons || {{ pyerp_failed_reasons(warning) }}
            as warning_reasons,
        {{ pyerp_business_details(relation, details) }}
        || {{ pyerp_failure_details(rejecting) }}
        || {{ pyerp_failure_details(warning) }} as reason_details
    from {{ relation }}
{%- endmacro %}


{#- The model's `details` with those of the reasons every model words alike:
    missing_key names the row's own key (the first of `key`) and its value;
    duplicate_key gives the values of all of `key`; unreadable_value (when
    the rows carry unreadable_attributes) names the 4D attributes staging
    could not read (unreadable_details). A reason the model's checks never
    give never has its details taken; the model's own entry for a reason
    wins. -#}
{% macro pyerp_shared_details(details, key, unreadable) -%}
    {%- set shared = {} -%}
    {%- if key -%}
        {%- set keys = [key] if key is string else key -%}
        {%- do shared.update({
            'missing_key': column_details(keys[0]),
            'duplicate_key': column_details(keys[0]) if keys | length == 1
                else values_details(keys),
        }) -%}
    {%- endif -%}
    {%- if unreadable -%}
        {%- do shared.update({'unreadable_value': unreadable_details()}) -%}
    {%- endif -%}
    {%- do shared.update(details) -%}
    {{ return(shared) }}
{%- endmacro %}


{#- jsonb {reason: details} of the model's business reasons the row has,
    from `details` (reason -> SQL of a jsonb object over `relation`). -#}
{% macro pyerp_business_details(relation, details) -%}
        jsonb_strip_nulls(jsonb_build_object(
            {%- for reason, expression in details.items() %}
            '{{ reason }}', case
                when
                    '{{ reason }}' = any(
                        {{ relation }}.rejection_reasons
                        || {{ relation }}.warning_reasons
                    )
                    then {{ expression }}
            end,
            {%- endfor %}
            '_', null
        ))
{%- endmacro %}


{#- pyerp_validated in a dbt unit test. dbt compiles a unit test against a
    manifest of the tested model and its inputs only (no `graph`), so the
    mart's contract cannot be read there: the checked rows pass through as
    they are (no Django field rules, no casts), with business_key, the
    reasons' details (the model's and the shared ones, as in
    pyerp_validated), and the reasons as comma-separated text
    (rejection_reasons_text, warning_reasons_text: dbt unit tests cannot
    compare text[]). Unit tests cover a model's mapping and business checks;
    the field rules are tested on probe values (tests/dbt/test_field_rules.py).
-#}
{% macro pyerp_validated_in_unit_test(relation, business_key, details) -%}
    select
        {{ relation }}.*,
        ({{ business_key }})::text as business_key,
        {{ pyerp_business_details(relation, details) }} as reason_details,
        array_to_string({{ relation }}.rejection_reasons, ',')
            as rejection_reasons_text,
        array_to_string({{ relation }}.warning_reasons, ',')
            as warning_reasons_text
    from {{ relation }}
{%- endmacro %}


{#- (reason, failure condition, rule text) for one contract column; `value`
    is the SQL of the column's value before the cast. -#}
{% macro pyerp_column_rules(value, column) -%}
    {%- set django = column.django or {} -%}
    {%- set field = django.get('field', '') -%}
    {%- set type = column.data_type -%}
    {%- set rules = [] -%}
    {%- set length = modules.re.match('^varchar\\((\\d+)\\)$', type) -%}
    {%- if length -%}
        {%- do rules.append(('value_too_long',
            'char_length(' ~ value ~ '::text) > ' ~ length.group(1),
            'at most ' ~ length.group(1) ~ ' characters')) -%}
    {%- endif -%}
    {%- set digits = modules.re.match('^numeric\\((\\d+),(\\d+)\\)$', type) -%}
    {%- if digits -%}
        {%- set places, whole = digits.group(2) | int, digits.group(1) | int - digits.group(2) | int -%}
        {%- do rules.append(('too_many_digits',
            '(scale(trim_scale(' ~ value ~ '::numeric)) > ' ~ places
                ~ ' or abs(' ~ value ~ '::numeric) >= 1e' ~ whole ~ ')',
            'at most ' ~ whole ~ ' digits before and ' ~ places ~ ' after the point')) -%}
    {%- endif -%}
    {%- set limits = {'integer': 2147483647, 'bigint': 9223372036854775807} -%}
    {%- if type in limits -%}
        {%- set lowest = 0 if field == 'PositiveIntegerField' else -limits[type] - 1 -%}
        {%- do rules.append(('out_of_range',
            value ~ '::numeric not between ' ~ lowest ~ ' and ' ~ limits[type],
            'from ' ~ lowest ~ ' to ' ~ limits[type])) -%}
    {%- endif -%}
    {%- if field.startswith('EmailField') -%}
        {%- do rules.append(('invalid_email',
            '(' ~ value ~ " <> '' and not " ~ is_django_email(value) ~ ')',
            "Django's EmailValidator")) -%}
    {%- endif -%}
    {%- if django.get('choices') -%}
        {%- set quoted = [] -%}
        {%- for choice in django.choices -%}
            {%- do quoted.append("'" ~ choice ~ "'") -%}
        {%- endfor -%}
        {%- do rules.append(('invalid_choice',
            '(' ~ value ~ " <> '' and " ~ value ~ '::text not in (' ~ quoted | join(', ') ~ '))',
            'one of ' ~ django.choices | join(', '))) -%}
    {%- endif -%}
    {%- set is_text = type.startswith('varchar') or type == 'text' -%}
    {%- if django.get('required') -%}
        {%- do rules.append(('required_value_missing',
            '(cardinality(rejection_reasons) = 0 and (' ~ value ~ ' is null'
                ~ (' or ' ~ value ~ "::text = ''" if is_text else '') ~ '))',
            'required (blank=False)')) -%}
    {%- elif column.not_null and not is_text -%}
        {#- NOT NULL in pyERP and no empty value to fall back on -#}
        {%- do rules.append(('required_value_missing',
            '(cardinality(rejection_reasons) = 0 and ' ~ value ~ ' is null)', 'NOT NULL')) -%}
    {%- endif -%}
    {{ return(rules) }}
{%- endmacro %}


{#- text[] of the reasons whose failure holds, from {reason: [(column,
    failure, rule)]}: a reason holds when any of its columns fails. -#}
{% macro pyerp_failed_reasons(failures) -%}
    {%- set conditions = {} -%}
    {%- for reason, checks in failures.items() -%}
        {%- do conditions.update({reason: checks | map(attribute=1) | join(' or ')}) -%}
    {%- endfor -%}
    {{ reason_codes(conditions) }}
{%- endmacro %}


{#- jsonb {reason: {column: {value, rule}}} of the failures that hold. -#}
{% macro pyerp_failure_details(failures) -%}
    {%- if not failures -%}
        '{}'::jsonb
    {%- else -%}
        jsonb_strip_nulls(jsonb_build_object(
            {%- for reason, checks in failures.items() %}
            '{{ reason }}', nullif(jsonb_strip_nulls(jsonb_build_object(
                {%- for name, failure, rule in checks %}
                '{{ name }}', case
                    when {{ failure }}
                        then jsonb_build_object(
                            'value', to_jsonb({{ adapter.quote(name) }}),
                            'rule', '{{ rule | replace("'", "''") }}'
                        )
                end{{ "," if not loop.last }}
                {%- endfor %}
            )), '{}'::jsonb){{ "," if not loop.last }}
            {%- endfor %}
        ))
    {%- endif -%}
{%- endmacro %}


{#- Django 5.1's EmailValidator as a PostgreSQL condition: the part before
    the last @ is an ASCII dot-atom or quoted string; the domain is
    `localhost`, an IP literal, or dotted labels with a final label of 2-63
    characters. Django also accepts a non-ASCII (IDN) domain whose punycode
    passes: labels here admit any non-ASCII character for that. At most 320
    characters in all (EmailField's 254 is the varchar rule). -#}
{% macro is_django_email(value) -%}
(
    char_length({{ value }}) <= 320
    and {{ value }} ~* (
        '^([-!#$%&''*+/=?^_`{}|~0-9a-z]+(\.[-!#$%&''*+/=?^_`{}|~0-9a-z]+)*'
        || '|"([\x01-\x08\x0b\x0c\x0e-\x1f!#-\[\]-\x7f]'
        || '|\\[\x01-\x09\x0b\x0c\x0e-\x7f])*")'
        || '@(localhost|\[[a-f0-9:.]+\]'
        || '|(([a-z0-9\u0080-\uffff]([a-z0-9\u0080-\uffff-]{0,61}'
        || '[a-z0-9\u0080-\uffff])?\.)+[a-z0-9\u0080-\uffff-]{1,62}'
        || '[a-z0-9\u0080-\uffff]))$'
    )
)
{%- endmacro %}


{#- Details of a reason about one column: its name and the row's value, or
    the value of `value` (a column of the row) when the column holds what
    the sync made of it: for a mapped status, the code 4D gave. -#}
{% macro column_details(column, value=none) -%}
jsonb_build_object('column', '{{ column }}', 'value', to_jsonb({{ value or column }}))
{%- endmacro %}


{#- Details of unreadable_value: the 4D attributes whose value was given but
    could not be read (staging's unreadable_attributes). -#}
{% macro unreadable_details() -%}
jsonb_build_object(
    'attributes', to_jsonb(string_to_array(unreadable_attributes, ','))
)
{%- endmacro %}
