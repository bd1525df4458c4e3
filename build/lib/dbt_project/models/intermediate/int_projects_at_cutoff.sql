{#- The registry projects that had started by each cut-off: the rows every indicator table
    must show (zeros included), with their registry attributes. -#}
select
    cutoffs.cutoff,
    cutoffs.cutoff_date,
    projects.project_id,
    projects.programme,
    projects.jobcenter_id,
    projects.district,
    projects.target_group,
    projects.category_of_region,
    projects.specific_objective,
    projects.start_date,
    projects.end_date,
    projects.planned_participants
from {{ ref('int_cutoffs') }} as cutoffs
inner join {{ ref('stg_esf__projects') }} as projects
    on cutoffs.cutoff_date >= projects.start_date
