{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='cutoff',
    on_schema_change='sync_all_columns',
    pre_hook="{{ esf_rebuild_delete('cutoff') }}",
) }}

{#- Numerators and denominators of the headline indicators (docs/indicators.md) per cut-off,
    project (and ALL) and gender (and total), one column each. All participants count,
    complete or not; a participant without a valid gender only counts in total. Every started
    registry project gets its rows, zeros included. Each count has its cell key `<count>_ckey`
    beside it: the sum of the record keys of the persons counted, mod 256 (cell key method of
    the public release, docs/indicators.md "Publication"). -#}
{%- set counts = {
    'participants_cumulative': "true",
    'participants_active': "not is_leaver",
    'entries_month': "entered_in_month",
    'leavers_month': "left_in_month",
    'reach_numerator': "entered_in_12m and is_project_target_group_member",
    'leavers_12m': "left_in_12m",
    'integrated_leavers_12m': "left_in_12m and is_integrated",
    'status_unknown_leavers_12m': "left_in_12m and is_status_unknown",
    'leavers_cumulative': "is_leaver",
    'integrated_leavers_cumulative': "is_integrated",
    'leavers_6m': "left_by_minus_6_months",
    'followup_leavers_6m': "left_by_minus_6_months and has_followup",
    'integrated_leavers_6m': "left_by_minus_6_months and has_followup and followup_status_6m in "
        ~ esf_sql_list(esf_integrated_statuses()),
} -%}
-- noqa: disable=LT02,LT09,ST09,AL09,RF02,RF03,AM03
-- (columns written by Jinja loops, and `grouping sets` / `not materialized`, which sqlfluff's
-- duckdb dialect does not parse: its fixes would damage the loops; the layout is kept by hand)
with

participants as (

    select
        *,
        case when gender in ('f', 'm', 'd') then gender end as valid_gender
    from {{ ref('int_participants_at_cutoff') }}
    where {{ esf_rebuild_filter('cutoff') }}

),

projects as (

    select * from {{ ref('int_projects_at_cutoff') }}

),

population as (

    select * from {{ ref('int_target_population_12m') }}

),

aggregated as (

    select
        cutoff,
        case when grouping(project_id) = 1 then 'ALL' else project_id end as project_key,
        case when grouping(valid_gender) = 1 then 'total' else valid_gender end as gender_key,
        {%- for name, condition in counts.items() %}
        count(*) filter (where {{ condition }}) as {{ name }},
        coalesce(sum(record_key) filter (where {{ condition }}), 0) % 256 as {{ name }}_ckey,
        {%- endfor %}
        quantile_cont(duration_days, 0.5) filter (where left_in_12m) as duration_median_days,
        avg(duration_days) filter (where left_in_12m) as duration_mean_days
    from participants
    group by grouping sets (
        (cutoff, project_id, valid_gender), (cutoff, project_id), (cutoff, valid_gender), (cutoff)
    )
    -- the group of participants without a valid gender exists only inside total
    having grouping(valid_gender) = 1 or valid_gender is not null

),

project_plans as (

    select
        projects.cutoff,
        projects.project_id,
        projects.planned_participants,
        population.mean_monthly_count as reach_denominator
    from projects
    left join population
        on population.cutoff = projects.cutoff
        and population.project_id = projects.project_id

),

programme_planned as (

    select cutoff, sum(planned_participants) as planned_participants
    from projects
    group by cutoff

),

programme_population as (

    -- each (district, target group) population counted once, however many projects serve it
    select cutoff, sum(mean_monthly_count) as reach_denominator
    from (
        select distinct cutoff, district, target_group, mean_monthly_count
        from population
    ) as distinct_population
    group by cutoff

),

programme_plans as (

    select
        cutoffs.cutoff,
        'ALL' as project_id,
        programme_planned.planned_participants,
        programme_population.reach_denominator
    from {{ ref('int_cutoffs') }} as cutoffs
    left join programme_planned
        on programme_planned.cutoff = cutoffs.cutoff
    left join programme_population
        on programme_population.cutoff = cutoffs.cutoff

),

plans as (

    select * from project_plans
    union all
    select * from programme_plans

),

genders as (

    select unnest(['f', 'm', 'd', 'total']) as gender

)

select
    plans.cutoff,
    plans.project_id,
    genders.gender,
    {%- for name in counts %}
    coalesce(aggregated.{{ name }}, 0) as {{ name }},
    cast(coalesce(aggregated.{{ name }}_ckey, 0) as integer) as {{ name }}_ckey,
    {%- endfor %}
    aggregated.duration_median_days,
    aggregated.duration_mean_days,
    case when genders.gender = 'total' then plans.planned_participants end as planned_participants,
    case when genders.gender = 'total' then plans.reach_denominator end as reach_denominator
from plans
cross join genders
left join aggregated
    on aggregated.cutoff = plans.cutoff
    and aggregated.project_key = plans.project_id
    and aggregated.gender_key = genders.gender
where {{ esf_rebuild_filter('plans.cutoff') }}
