{#- The common indicators per SFC2021 breakdown (specific objective x category of region):
    the sums of the project rows of common_indicators, for every combination that occurs among
    the projects started by the cut-off. ckey = cell key of the sum: the persons of different
    projects are different participants, so the sum of the projects' cell keys mod 256 is the
    sum of all their record keys mod 256 (docs/indicators.md "Publication"). -#}
with

common_indicators as (

    select * from {{ ref('common_indicators') }}
    where project_id <> 'ALL'

),

projects as (

    select
        cutoff,
        project_id,
        specific_objective,
        category_of_region
    from {{ ref('int_projects_at_cutoff') }}

)

select
    common_indicators.cutoff,
    projects.specific_objective,
    projects.category_of_region,
    common_indicators.indicator,
    common_indicators.gender,
    cast(sum(common_indicators.value) as bigint) as value,
    cast(sum(common_indicators.ckey) % 256 as integer) as ckey
from common_indicators
inner join projects
    on common_indicators.cutoff = projects.cutoff
        and common_indicators.project_id = projects.project_id
group by
    common_indicators.cutoff,
    projects.specific_objective,
    projects.category_of_region,
    common_indicators.indicator,
    common_indicators.gender
