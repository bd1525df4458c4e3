{#- Why: one warehouse file read by people and by the export code; plain schema names
    (staging, intermediate, marts) read better than dbt's default "main_marts". -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
