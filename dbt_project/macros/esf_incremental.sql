{#- Incremental models per cut-off (docs/decisions.md "Incremental dbt models").

Why: with cumulative monthly snapshots the participant × cut-off table grows with the whole
history (≈ the raw participant rows), but a new or corrected upload of month M can only change
the figures of cut-offs C >= M (a cut-off sees files with reporting month <= C). So each
incremental model deletes its rows of cut-offs >= M and inserts them again, in one
transaction (pre-hook + append), and remembers what it has seen in
dbt_state.incremental_models (post-hook, same transaction):

- source_watermark: the newest raw `_loaded_at` / delivery `processed_at` of the extract types
  the model reads (any delivery, accepted or rejected: a rejected file of a new month adds
  that cut-off, docs/indicators.md cut-off rule v2). Rows loaded after it (any accepted version, also a re-processed or
  re-submitted slot) name the months to rebuild: rebuild from the smallest of them.
- registry_sha256: the registry file's checksum. Another registry = rebuild everything (start
  dates and target groups reach every cut-off).
- logic_hash: checksum of every model's SQL and of the rule macros' output. Other SQL =
  rebuild everything (a figure computed with old rules must not survive an upgrade).

Nothing new -> nothing is rebuilt. `dbt build --full-refresh` rebuilds everything as always.
A build that fails leaves the state as it was, so the next build repeats the same months.
-#}

{#- Own schema: not a model, not part of the documented warehouse schemas. -#}
{% macro esf_state_relation() -%}
    dbt_state.incremental_models
{%- endmacro %}


{#- The state table's DDL. Run once per invocation by on-run-start (dbt_project.yml), before
    any model: incremental models that dbt builds in parallel (int_participant_snapshots and
    int_multi_spell_participants on a fresh warehouse) would otherwise both create the schema
    in their own transactions, and DuckDB fails the second ("write-write conflict on create").
    esf_create_state() stays as a no-op safety net for models run outside a normal invocation. -#}
{% macro esf_create_state_sql() -%}
    create schema if not exists dbt_state;
    create table if not exists {{ esf_state_relation() }} (model varchar, logic_hash varchar,
        registry_sha256 varchar, source_watermark varchar, built_at timestamp)
{%- endmacro %}


{% macro esf_create_state() -%}
    {%- do run_query("create schema if not exists dbt_state") -%}
    {%- do run_query("create table if not exists " ~ esf_state_relation() ~ " (model varchar, "
                     ~ "logic_hash varchar, registry_sha256 varchar, source_watermark varchar, "
                     ~ "built_at timestamp)") -%}
{%- endmacro %}


{#- Checksum of the project's logic: all model SQL plus the output of the rule macros. -#}
{% macro esf_logic_hash() -%}
    {%- set parts = [] -%}
    {%- for node in graph.nodes.values() | sort(attribute='unique_id') -%}
        {%- if node.resource_type == 'model' -%}
            {%- do parts.append(node.unique_id ~ '\n' ~ node.raw_code) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- do parts.append(esf_core_complete('g', 'b', 'e', 'i', 'd')) -%}
    {%- do parts.append(esf_sql_list(esf_integrated_statuses())) -%}
    {%- do parts.append(esf_sql_list(esf_employment_result_statuses())) -%}
    {{- return(local_md5(parts | join('\n'))) -}}
{%- endmacro %}


{#- (source watermark, registry checksum) of the raw data as it is now. -#}
{% macro esf_source_state(extract_types) -%}
    {%- set parts = [] -%}
    {%- for t in extract_types -%}
        {%- do parts.append("select max(_loaded_at) as ts from raw." ~ t) -%}
    {%- endfor -%}
    {%- do parts.append("select max(processed_at) as ts from raw.deliveries "
                        ~ "where extract_type in " ~ esf_sql_list(extract_types)) -%}
    {%- set sql -%}
        select
            cast(max(ts) as varchar) as source_watermark,
            (select max(_file_sha256) from raw.projects) as registry_sha256
        from ({{ parts | join(' union all ') }}) as stamps
    {%- endset -%}
    {%- set row = run_query(sql).rows[0] -%}
    {{- return({'source_watermark': row[0], 'registry_sha256': row[1]}) -}}
{%- endmacro %}


{#- First cut-off to rebuild ('YYYY-MM'); '0000-00' = all, '9999-99' = none. Only meaningful
    while executing an incremental run of the calling model. -#}
{% macro esf_rebuild_from(extract_types) -%}
    {%- if not execute or this is none or not is_incremental() -%}
        {{- return('0000-00') -}}
    {%- endif -%}
    {%- do esf_create_state() -%}
    {%- set saved = run_query("select logic_hash, registry_sha256, source_watermark from "
                              ~ esf_state_relation() ~ " where model = '" ~ this.identifier ~ "'").rows -%}
    {%- set now = esf_source_state(extract_types) -%}
    {%- if saved | length == 0 or saved[0][0] != esf_logic_hash()
           or saved[0][1] != now['registry_sha256'] or saved[0][2] is none -%}
        {{- return('0000-00') -}}
    {%- endif -%}
    {%- set mark = saved[0][2] -%}
    {%- set parts = [] -%}
    {%- for t in extract_types -%}
        {%- do parts.append("select min(_reporting_month) as m from raw." ~ t
                            ~ " where _loaded_at > cast('" ~ mark ~ "' as timestamp)") -%}
    {%- endfor -%}
    {%- do parts.append("select min(reporting_month) as m from raw.deliveries "
                        ~ "where extract_type in " ~ esf_sql_list(extract_types)
                        ~ " and processed_at > cast('" ~ mark ~ "' as timestamp)") -%}
    {%- set first = run_query("select min(m) from (" ~ (parts | join(' union all ')) ~ ") as changed").rows[0][0] -%}
    {{- return(first if first is not none else '9999-99') -}}
{%- endmacro %}


{#- Pre-hook: remove the cut-offs about to be rebuilt (same transaction as the insert). -#}
{% macro esf_incremental_delete(extract_types, column='cutoff') -%}
    {%- if execute and this is not none and is_incremental() -%}
        delete from {{ this }} where {{ column }} >= '{{ esf_rebuild_from(extract_types) }}'
    {%- endif -%}
{%- endmacro %}


{#- Post-hook: remember what this build has seen. -#}
{% macro esf_incremental_save_state(extract_types) -%}
    {%- if execute -%}
        {%- do esf_create_state() -%}
        {%- set now = esf_source_state(extract_types) -%}
        delete from {{ esf_state_relation() }} where model = '{{ this.identifier }}';
        insert into {{ esf_state_relation() }} values (
            '{{ this.identifier }}', '{{ esf_logic_hash() }}',
            {{ "'" ~ now['registry_sha256'] ~ "'" if now['registry_sha256'] is not none else 'null' }},
            {{ "'" ~ now['source_watermark'] ~ "'" if now['source_watermark'] is not none else 'null' }},
            current_timestamp)
    {%- endif -%}
{%- endmacro %}


{#- `where` filter for the model's rows: the cut-offs this build (re)computes. -#}
{% macro esf_cutoff_filter(column, extract_types) -%}
    {#- (unit tests render models without a relation: never incremental there) -#}
    {%- if this is not none and is_incremental() -%}
        {{ column }} >= '{{ esf_rebuild_from(extract_types) }}'
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}


{#- config() arguments shared by the incremental models. column = the month column the rows
    are keyed by: 'cutoff' for the participant × cut-off models; a model keyed by the snapshot
    (reporting month M of the upload itself, e.g. int_multi_spell_participants) passes
    'reporting_month' — a snapshot of month M can only change with an upload of month M. -#}
{% macro esf_incremental_config(extract_types, column='cutoff') -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'append',
        'on_schema_change': 'sync_all_columns',
        'pre_hook': "{{ esf_incremental_delete(" ~ extract_types ~ ", '" ~ column ~ "') }}",
        'post_hook': "{{ esf_incremental_save_state(" ~ extract_types ~ ") }}",
    }) }}
{%- endmacro %}
