{#- A legacy date as a calendar date. Accepted (surrounding blanks ignored):
      d!m!yyyy      4!6!1992, 15!04!1985 (4D's REST form, padded or not)
      d!m!yy        03!11!24 (Druckdatum): YY <= the current year's last two
                    digits -> 20YY, else 19YY (legacy-tables.md, decision 7)
      yyyy-mm-dd    also with a time part (2024-03-01 12:00:00, ...T...Z);
                    the time and any offset are ignored
      dd.mm.yyyy    31.12.2025 (Ablaufdatum)
      yyyymmdd      20240301
    Years 1000-9999. 0!0!0 (4D's empty date), '', NULL, any other shape and
    impossible dates (31!2!2020, 29!2!2023, 0!5!2020) -> NULL, never an error:
    each shape's regex admits only real calendar dates (the day exists in its
    month, 29 February only in a leap year), so to_date() never sees a bad
    one. The patterns are single literals, which keeps the compiled SQL short. -#}
{% macro parse_4d_date(expr) -%}
{%- set value -%}btrim({{ expr }}){%- endset -%}
{%- set year = '[1-9][0-9]{3}' -%}
{%- set leap_year = '([1-9][0-9](0[48]|[2468][048]|[13579][26])|([2468][048]|[13579][26])00)' -%}
{%- set short_leap_year = '([02468][048]|[13579][26])' -%}
{#- In the patterns below, S stands for the separator of the shape (! - . or
    none); each pattern lists the days every month has, then 29 February of
    leap years. Day and month first, unpadded or padded: -#}
{%- set day_month = '((0?[1-9]|1[0-9]|2[0-8])S(0?[1-9]|1[0-2])|(29|30)S(0?[13-9]|1[0-2])|31S(0?[13578]|1[02]))' -%}
{#- Month and day first, padded: -#}
{%- set month_day = '((0[1-9]|1[0-2])S(0[1-9]|1[0-9]|2[0-8])|(0[13-9]|1[0-2])S(29|30)|(0[13578]|1[02])S31)' -%}
{%- set day_first = '^(' ~ day_month ~ 'S' ~ year ~ '|29S0?2S' ~ leap_year ~ ')$' -%}
{%- set day_first_short = '^(' ~ day_month ~ 'S[0-9]{2}|29S0?2S' ~ short_leap_year ~ ')$' -%}
{%- set year_first = '^(' ~ year ~ 'S' ~ month_day ~ '|' ~ leap_year ~ 'S02S29)([ T][0-9:.]+)?(Z|[+-][0-9:]+)?$' -%}
{%- set year_first_compact = '^(' ~ year ~ month_day ~ '|' ~ leap_year ~ '0229)$' -%}
(case
    when {{ value }} in ('0!0!0', '') then null
    when {{ value }} ~ '{{ day_first | replace("S", "!") }}'
        then to_date({{ value }}, 'DD!MM!YYYY')
    when {{ value }} ~ '{{ day_first_short | replace("S", "!") }}'
        then to_date(
            left({{ value }}, -2)
            || (case
                when right({{ value }}, 2)::integer
                    <= extract(year from current_date)::integer % 100
                    then '20'
                else '19'
            end)
            || right({{ value }}, 2),
            'DD!MM!YYYY'
        )
    when {{ value }} ~ '{{ year_first | replace("S", "-") }}'
        then to_date(left({{ value }}, 10), 'YYYY-MM-DD')
    when {{ value }} ~ '{{ day_first | replace("S", "[.]") }}'
        then to_date({{ value }}, 'DD.MM.YYYY')
    when {{ value }} ~ '{{ year_first_compact | replace("S", "") }}'
        then to_date({{ value }}, 'YYYYMMDD')
end)
{%- endmacro %}
