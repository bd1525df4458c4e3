{#- Participants (cumulative at C), leavers and integrated leavers broken down by one
    dimension at a time, per cut-off, project (and ALL) and gender (and total), for the
    dashboards. Only categories that occur are listed (no zero rows). Each count has its cell
    key `<count>_ckey` (sum of the persons' record keys mod 256, docs/indicators.md
    "Publication"; not exported). -#}
{%- set dimensions = ['age_group', 'isced_level', 'access_channel', 'district', 'employment_status'] -%}
{%- set target_groups = {
    'elb_total': 'true',
    'single_parents': 'is_single_parent',
    'women_foreign_background': 'is_woman_foreign_background',
    'parents_low_qualified': 'is_parent_low_qualified',
} -%}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='cutoff',
    on_schema_change='sync_all_columns',
    pre_hook="{{ esf_rebuild_delete('cutoff') }}",
) }}
-- noqa: disable=LT02,LT09,ST09,AL09,RF02,RF03,AM03
-- (columns written by Jinja loops, and `grouping sets` / `not materialized`, which sqlfluff's
-- duckdb dialect does not parse: its fixes would damage the loops; the layout is kept by hand)
with

participants as not materialized (

    -- read 9 times below: scanning the needed columns 9 times beats DuckDB materialising
    -- every column of every participant × cut-off row once (gigabytes, spilled to disk)

    select
        *,
        case when gender in ('f', 'm', 'd') then gender end as valid_gender
    from {{ ref('int_participants_at_cutoff') }}
    where {{ esf_rebuild_filter('cutoff') }}

),

per_project as (

    {%- for dimension in dimensions %}
    select
        cutoff,
        project_id,
        valid_gender,
        '{{ dimension }}' as dimension,
        coalesce(cast({{ dimension }} as varchar), 'unknown') as category,
        count(*) as participants,
        count(*) filter (where is_leaver) as leavers,
        count(*) filter (where is_integrated) as integrated_leavers,
        sum(record_key) as participants_keys,
        coalesce(sum(record_key) filter (where is_leaver), 0) as leavers_keys,
        coalesce(sum(record_key) filter (where is_integrated), 0) as integrated_leavers_keys
    from participants
    group by cutoff, project_id, valid_gender, {{ dimension }}
    union all
    {%- endfor %}
    {%- for code, member in target_groups.items() %}
    select
        cutoff,
        project_id,
        valid_gender,
        'target_group' as dimension,
        '{{ code }}' as category,
        count(*) as participants,
        count(*) filter (where is_leaver) as leavers,
        count(*) filter (where is_integrated) as integrated_leavers,
        sum(record_key) as participants_keys,
        coalesce(sum(record_key) filter (where is_leaver), 0) as leavers_keys,
        coalesce(sum(record_key) filter (where is_integrated), 0) as integrated_leavers_keys
    from participants
    where {{ member }}
    group by cutoff, project_id, valid_gender
    {{- "\n    union all" if not loop.last }}
    {%- endfor %}

)

select
    cutoff,
    case when grouping(project_id) = 1 then 'ALL' else project_id end as project_id,
    dimension,
    category,
    case when grouping(valid_gender) = 1 then 'total' else valid_gender end as gender,
    cast(sum(participants) as bigint) as participants,
    cast(sum(leavers) as bigint) as leavers,
    cast(sum(integrated_leavers) as bigint) as integrated_leavers,
    cast(sum(participants_keys) % 256 as integer) as participants_ckey,
    cast(sum(leavers_keys) % 256 as integer) as leavers_ckey,
    cast(sum(integrated_leavers_keys) % 256 as integer) as integrated_leavers_ckey
from per_project
group by grouping sets (
    (cutoff, project_id, valid_gender, dimension, category),
    (cutoff, project_id, dimension, category),
    (cutoff, valid_gender, dimension, category),
    (cutoff, dimension, category)
)
-- participants without a valid gender only count in total
having grouping(valid_gender) = 1 or valid_gender is not null
