{#- The programme total (project_id ALL) equals the sum of the project rows, and the SFC2021
    breakdown adds up to the same total: one set of figures, however it is cut.
    Rows returned = breaches. -#}
{#- reads two marts: shown in Dagster as a check of common_indicators -#}
{{ config(severity='error', meta={'dagster': {'ref': {'name': 'common_indicators'}}}) }}

with

projects as (

    select cutoff, indicator, gender, sum(value) as value
    from {{ ref('common_indicators') }}
    where project_id <> 'ALL'
    group by cutoff, indicator, gender

),

programme as (

    select cutoff, indicator, gender, value
    from {{ ref('common_indicators') }}
    where project_id = 'ALL'

),

sfc as (

    select cutoff, indicator, gender, sum(value) as value
    from {{ ref('sfc_table') }}
    group by cutoff, indicator, gender

)

select
    programme.cutoff,
    programme.indicator,
    programme.gender,
    programme.value as programme_value,
    projects.value as sum_of_projects,
    sfc.value as sum_of_sfc_breakdown
from programme
left join projects
    on projects.cutoff = programme.cutoff
    and projects.indicator = programme.indicator
    and projects.gender = programme.gender
left join sfc
    on sfc.cutoff = programme.cutoff
    and sfc.indicator = programme.indicator
    and sfc.gender = programme.gender
where programme.value <> coalesce(projects.value, 0)
    or programme.value <> coalesce(sfc.value, 0)
