{#- Django's slugify() in SQL, cut to `max_length`: lower case, German
    umlauts and common accents folded to their base letter (NFKD + ASCII, as
    Django does; ß is dropped like Django drops it), characters other than
    letters, digits, '_', '-' and blanks removed, runs of blanks and dashes
    turned into one '-', leading/trailing '-' and '_' stripped.
    'auf Rechnung' -> 'auf-rechnung'. NULL -> NULL. -#}
{% macro slugify(expr, max_length=50) -%}
btrim(left(btrim(regexp_replace(regexp_replace(
    translate(lower({{ expr }}), 'äöüáàâéèêíìîóòôúùûçñ', 'aouaaaeeeiiiooouuucn'),
    '[^a-z0-9_\s-]', '', 'g'), '[-\s]+', '-', 'g'), '-_'), {{ max_length }}), '-_')
{%- endmacro %}
