{#- SFC2021 gender breakdown: f + m + d = total for every common indicator, in
    common_indicators (per project and ALL) and in sfc_table. Rows returned = breaches. -#}
{#- reads two marts: shown in Dagster as a check of common_indicators -#}
{{ config(severity='error', meta={'dagster': {'ref': {'name': 'common_indicators'}}}) }}

with

rows_by_key as (

    select 'common_indicators' as mart, cutoff, project_id as breakdown, indicator, gender, value
    from {{ ref('common_indicators') }}
    union all
    select 'sfc_table', cutoff, specific_objective || ' / ' || category_of_region, indicator, gender, value
    from {{ ref('sfc_table') }}

)

select
    mart,
    cutoff,
    breakdown,
    indicator,
    sum(value) filter (where gender in ('f', 'm', 'd')) as sum_of_genders,
    sum(value) filter (where gender = 'total') as total
from rows_by_key
group by mart, cutoff, breakdown, indicator
having coalesce(sum(value) filter (where gender in ('f', 'm', 'd')), -1)
    <> coalesce(sum(value) filter (where gender = 'total'), -1)
