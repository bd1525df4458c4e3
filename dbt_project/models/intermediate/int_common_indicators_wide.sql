{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='cutoff',
    on_schema_change='sync_all_columns',
    pre_hook="{{ esf_rebuild_delete('cutoff') }}",
) }}

{#- EU common indicators (ESF+ Reg. 2021/1057 Annex I: EECO01-EECO17 output, EECR01-EECR05
    result) per cut-off, project (and ALL) and gender (and total), complete participants only,
    one column per indicator. Every started registry project gets its rows, zeros included.
    Each indicator has its cell key `<code>_ckey` beside it: the sum of the record keys of the
    persons counted, mod 256 (docs/indicators.md "Publication"). -#}
{%- set employment_results = esf_sql_list(esf_employment_result_statuses()) -%}
{%- set indicators = {
    'eeco01': "true",
    'eeco02': "employment_status in ('unemployed', 'long_term_unemployed')",
    'eeco03': "employment_status = 'long_term_unemployed'",
    'eeco04': "employment_status in ('inactive', 'inactive_in_education')",
    'eeco05': "employment_status in ('employed', 'self_employed')",
    'eeco06': "age_at_entry < 18",
    'eeco07': "age_at_entry between 18 and 29",
    'eeco08': "age_at_entry >= 55",
    'eeco09': "isced <= 2",
    'eeco10': "isced in (3, 4)",
    'eeco11': "isced >= 5",
    'eeco12': "disability = 'yes'",
    'eeco13': "nationality in ('third_country', 'stateless')",
    'eeco14': "foreign_background = 'yes'",
    'eeco15': "minority = 'yes'",
    'eeco16': "homeless = 'yes'",
    'eeco17': "rural = 'yes'",
    'eecr01': "is_leaver and status_upon_leaving = 'job_searching'",
    'eecr02': "is_leaver and status_upon_leaving in ('vocational_training', 'education')",
    'eecr03': "is_leaver and qualification_gained",
    'eecr04': "is_leaver and status_upon_leaving in " ~ employment_results,
    'eecr05': "left_by_minus_6_months and has_followup and followup_status_6m in " ~ employment_results,
} -%}
-- noqa: disable=LT02,LT09,ST09,AL09,RF02,RF03,AM03
-- (columns written by Jinja loops, and `grouping sets` / `not materialized`, which sqlfluff's
-- duckdb dialect does not parse: its fixes would damage the loops; the layout is kept by hand)
with

participants as (

    select * from {{ ref('int_participants_at_cutoff') }}
    where is_complete and {{ esf_rebuild_filter('cutoff') }}

),

counts as (

    select
        cutoff,
        case when grouping(project_id) = 1 then 'ALL' else project_id end as project_key,
        case when grouping(gender) = 1 then 'total' else gender end as gender_key,
        {%- for code, condition in indicators.items() %}
        count(*) filter (where {{ condition }}) as {{ code }},
        coalesce(sum(record_key) filter (where {{ condition }}), 0) % 256 as {{ code }}_ckey{{ "," if not loop.last }}
        {%- endfor %}
    from participants
    group by grouping sets ((cutoff, project_id, gender), (cutoff, project_id), (cutoff, gender), (cutoff))

),

scaffold as (

    select cutoff, project_id from {{ ref('int_projects_at_cutoff') }}
    union all
    select cutoff, 'ALL' as project_id from {{ ref('int_cutoffs') }}

),

genders as (

    select unnest(['f', 'm', 'd', 'total']) as gender

)

select
    scaffold.cutoff,
    scaffold.project_id,
    genders.gender,
    {%- for code in indicators %}
    coalesce(counts.{{ code }}, 0) as {{ code }},
    cast(coalesce(counts.{{ code }}_ckey, 0) as integer) as {{ code }}_ckey{{ "," if not loop.last }}
    {%- endfor %}
from scaffold
cross join genders
left join counts
    on counts.cutoff = scaffold.cutoff
    and counts.project_key = scaffold.project_id
    and counts.gender_key = genders.gender
where {{ esf_rebuild_filter('scaffold.cutoff') }}
