{#- Which provider delivered which month: every expected delivery and every delivery actually
    received (accepted or rejected), one row per (provider, extract type, reporting month).
    Expected: each project its participants snapshot for every month of its run, each jobcenter
    followup and target_population for every month from its first project's start; both within
    the cut-off range. -#}
with

cutoffs as (

    select cutoff as reporting_month from {{ ref('int_cutoffs') }}

),

projects as (

    select * from {{ ref('stg_esf__projects') }}

),

deliveries as (

    -- the monthly extracts only: a municipality's process checklist is per survey wave and has
    -- its own delivery figures (process_waves, docs/process-monitoring.md)
    select * from {{ ref('stg_esf__deliveries') }}
    where extract_type <> 'process_checklist'

),

expected_from_projects as (

    select
        projects.project_id as provider_id,
        'participants' as extract_type,
        cutoffs.reporting_month
    from projects
    inner join cutoffs
        on cutoffs.reporting_month between strftime(projects.start_date, '%Y-%m')
            and strftime(projects.end_date, '%Y-%m')

),

jobcenters as (

    select
        jobcenter_id,
        strftime(min(start_date), '%Y-%m') as first_month
    from projects
    group by jobcenter_id

),

expected_from_jobcenters as (

    select
        jobcenters.jobcenter_id as provider_id,
        extract_types.extract_type,
        cutoffs.reporting_month
    from jobcenters
    cross join (values ('followup'), ('target_population')) as extract_types (extract_type)
    inner join cutoffs
        on jobcenters.first_month <= cutoffs.reporting_month

),

received as (

    select
        provider_id,
        extract_type,
        reporting_month,
        count(*) as versions,
        count(*) filter (where status = 'accepted') as accepted_versions,
        count(*) filter (where status = 'rejected') as rejected_versions,
        min(arrived_at) as first_arrived_at,
        max(arrived_at) as last_arrived_at,
        -- the newest accepted version is the one whose rows are in the warehouse
        arg_max(row_count, coalesce(processed_at, arrived_at)) filter (where status = 'accepted')
            as row_count
    from deliveries
    group by provider_id, extract_type, reporting_month

),

incomplete_rows as (

    -- counted per snapshot in int_participant_snapshots (incremental per reporting month),
    -- not over every participant row of the history on each build; project = provider
    select
        project_id as provider_id,
        reporting_month,
        incomplete_count
    from {{ ref('int_participant_snapshots') }}

),

slots as (

    select
        provider_id,
        extract_type,
        reporting_month
    from expected_from_projects
    union
    select
        provider_id,
        extract_type,
        reporting_month
    from expected_from_jobcenters
    union
    select
        provider_id,
        extract_type,
        reporting_month
    from received

)

select
    slots.provider_id,
    case when slots.extract_type = 'participants' then 'project' else 'jobcenter' end as provider_kind,
    slots.extract_type,
    slots.reporting_month,
    case
        when received.accepted_versions > 1 then 'corrected'
        when received.accepted_versions = 1 then 'accepted'
        when received.rejected_versions > 0 then 'rejected'
        else 'missing'
    end as status,
    coalesce(received.versions, 0) as versions,
    received.first_arrived_at,
    received.last_arrived_at,
    -- due by the 10th of the next month (any time that day is on time)
    received.first_arrived_at
    >= cast(slots.reporting_month || '-01' as date) + interval 1 month + interval 10 day
        as is_late,
    received.row_count,
    case
        when slots.extract_type = 'participants' and received.accepted_versions > 0
            then coalesce(incomplete_rows.incomplete_count, 0)
    end as incomplete_count
from slots
left join received
    on slots.provider_id = received.provider_id
        and slots.extract_type = received.extract_type
        and slots.reporting_month = received.reporting_month
left join incomplete_rows
    on slots.provider_id = incomplete_rows.provider_id
        and slots.reporting_month = incomplete_rows.reporting_month
        and slots.extract_type = 'participants'
