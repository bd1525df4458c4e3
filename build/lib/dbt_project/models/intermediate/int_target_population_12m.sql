{#- Denominator of reach_rate_12m per project and cut-off C: the mean month-end stock of the
    project's district and target group over the months of the 12-month window (C-11 .. C)
    that have data, as known at C (files with reporting month <= C, newest file per key).
    No data in the whole window -> mean is null (the rate is then empty, not zero). -#}
with

population as (

    select * from {{ ref('stg_esf__target_population') }}

),

cutoffs as (

    select
        cutoff,
        strftime(window_start_date, '%Y-%m') as window_start_month
    from {{ ref('int_cutoffs') }}

),

projects as (

    select
        cutoff,
        project_id,
        district,
        target_group
    from {{ ref('int_projects_at_cutoff') }}

),

known_at_cutoff as (

    select
        cutoffs.cutoff,
        population.month,
        population.district,
        population.target_group,
        population.population_count
    from cutoffs
    inner join population
        on cutoffs.cutoff >= population.reporting_month
            and population.month between cutoffs.window_start_month and cutoffs.cutoff
    qualify row_number() over (
            partition by cutoffs.cutoff, population.month, population.district, population.target_group
            order by population.reporting_month desc, population.loaded_at desc, population.jobcenter_id asc
        ) = 1

),

window_mean as (

    select
        cutoff,
        district,
        target_group,
        count(population_count) as months_with_data,
        avg(population_count) as mean_monthly_count
    from known_at_cutoff
    group by cutoff, district, target_group

)

select
    projects.cutoff,
    projects.project_id,
    projects.district,
    projects.target_group,
    coalesce(window_mean.months_with_data, 0) as months_with_data,
    window_mean.mean_monthly_count
from projects
left join window_mean
    on projects.cutoff = window_mean.cutoff
        and projects.district = window_mean.district
        and projects.target_group = window_mean.target_group
