{#- dbt-native incremental models (docs/decisions.md "Incremental dbt models: dbt's own
    materialisation and the build rule").

The incremental models are `materialized='incremental', incremental_strategy='delete+insert'`,
keyed on their month column (`cutoff`, or `reporting_month` for the snapshot-keyed models). The
Dagster asset decides what to rebuild (orchestration/dbt_build_plan.py) and passes the first
month in the environment variable ESF_REBUILD_FROM ('YYYY-MM'), or `--full-refresh`. Not a
`--vars` value: any change of --vars makes dbt throw away its partial parse (a full parse on
every build), a changed env var re-parses only the files that use it. Without it (a plain
`dbt run`) every month is rebuilt: '0000-00'.

delete+insert deletes only the keys present in the new batch: a month that loses all its rows
(a re-sent month removes a participant's second spell) would survive. So every incremental model
also deletes `>= rebuild_from` in a pre-hook (esf_rebuild_delete), in the model's transaction. -#}


{#- `where` filter: the months this build (re)computes; `true` on a full build. Unit tests
    render models without a relation: never incremental there. -#}
{% macro esf_rebuild_from() -%}
    {{- return(env_var('ESF_REBUILD_FROM', '0000-00')) -}}
{%- endmacro %}


{% macro esf_rebuild_filter(column) -%}
    {%- if this is not none and is_incremental() -%}
        {{ column }} >= '{{ esf_rebuild_from() }}'
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}


{#- pre-hook: remove the months about to be rebuilt, also those the new batch has no row of. -#}
{% macro esf_rebuild_delete(column) -%}
    {%- if this is not none and is_incremental() -%}
        delete from {{ this }} where {{ column }} >= '{{ esf_rebuild_from() }}'
    {%- endif -%}
{%- endmacro %}
