{#- Rules of docs/indicators.md used by more than one model, kept in one place. -#}

{#- 'a', 'b' → ('a', 'b') for SQL IN lists -#}
{% macro esf_sql_list(values) -%}
    ({% for v in values %}'{{ v }}'{% if not loop.last %}, {% endif %}{% endfor %})
{%- endmacro %}

{#- Core data of Reg. 2021/1057 Annex I point 1.1 present and valid (Art. 17(5): otherwise the
    participant is held back from the EU common indicators). A valid birth_year gives an age at
    entry of 14-70 (extract contract). -#}
{% macro esf_core_complete(gender, birth_year, employment_status, isced, entry_date) -%}
    coalesce(
        {{ gender }} in ('f', 'm', 'd')
        and year({{ entry_date }}) - {{ birth_year }} between 14 and 70
        and {{ employment_status }} in {{ esf_sql_list(esf_employment_statuses()) }}
        and {{ isced }} between 0 and 8,
        false)
{%- endmacro %}

{% macro esf_employment_statuses() -%}
    {{ return(['unemployed', 'long_term_unemployed', 'inactive', 'inactive_in_education',
               'employed', 'self_employed']) }}
{%- endmacro %}

{#- "Integrated" in the seeds' sense (§ 48a SGB II K2 spirit): employment subject to social
    insurance, self-employment or vocational training. -#}
{% macro esf_integrated_statuses() -%}
    {{ return(['employed_sv', 'self_employed', 'vocational_training']) }}
{%- endmacro %}

{#- In employment incl. self-employment (EECR04 upon leaving, EECR05 six months later). -#}
{% macro esf_employment_result_statuses() -%}
    {{ return(['employed_sv', 'employed_marginal', 'self_employed']) }}
{%- endmacro %}
