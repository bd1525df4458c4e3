{#- Spells "as known at" each cut-off C: per project the newest snapshot with reporting month
    <= C; spells entering after C are ignored and an exit after C counts as no exit yet.
    Snapshots are cumulative, so one snapshot per project and cut-off holds its whole history:
    an equi-join on (project, snapshot month), never all spells x all cut-offs.
    is_only_spell marks the (vast majority of) people with a single spell in every snapshot of
    the project: they need no collapsing, which spares int_participants_at_cutoff a costly
    aggregation. -#}
with

spells as not materialized (

    -- used three times below; without NOT MATERIALIZED DuckDB would copy every snapshot row
    -- (all columns) into one temporary result, gigabytes at 16M rows, spilled to disk
    select * from {{ ref('stg_esf__participants') }}

),

cutoffs as (

    select cutoff, cutoff_date from {{ ref('int_cutoffs') }}

),

multi_spell_participants as (

    -- two spells in one snapshot = two entry dates of the person in the project. Grouping by
    -- person (not by person and snapshot) keeps the hash table at ~1 row per person instead
    -- of one per snapshot row; a person whose entry date was corrected between snapshots is
    -- merely collapsed without need (same result), never the reverse.
    select project_id, participant_id
    from spells
    group by project_id, participant_id
    having min(entry_date) <> max(entry_date)

),

snapshot_months as (

    select distinct project_id, reporting_month from spells

),

snapshot_at_cutoff as (

    select
        cutoffs.cutoff,
        cutoffs.cutoff_date,
        snapshot_months.project_id,
        max(snapshot_months.reporting_month) as snapshot_month
    from cutoffs
    inner join snapshot_months
        on snapshot_months.reporting_month <= cutoffs.cutoff
    group by cutoffs.cutoff, cutoffs.cutoff_date, snapshot_months.project_id

)

select
    snapshot_at_cutoff.cutoff,
    snapshot_at_cutoff.snapshot_month,
    spells.project_id,
    spells.participant_id,
    spells.entry_date,
    case when spells.exit_date <= snapshot_at_cutoff.cutoff_date then spells.exit_date end as exit_date,
    spells.gender,
    spells.birth_year,
    spells.employment_status,
    spells.isced,
    spells.single_parent,
    spells.children_under_18,
    spells.disability,
    spells.nationality,
    spells.foreign_background,
    spells.minority,
    spells.homeless,
    spells.rural,
    spells.district,
    spells.access_channel,
    -- results belong to an exit: none while the exit lies after C
    case when spells.exit_date <= snapshot_at_cutoff.cutoff_date then spells.exit_reason end as exit_reason,
    case when spells.exit_date <= snapshot_at_cutoff.cutoff_date then spells.status_upon_leaving end as status_upon_leaving,
    case when spells.exit_date <= snapshot_at_cutoff.cutoff_date then spells.qualification_gained end as qualification_gained,
    multi_spell_participants.participant_id is null as is_only_spell
from snapshot_at_cutoff
inner join spells
    on spells.project_id = snapshot_at_cutoff.project_id
    and spells.reporting_month = snapshot_at_cutoff.snapshot_month
left join multi_spell_participants
    on multi_spell_participants.project_id = spells.project_id
    and multi_spell_participants.participant_id = spells.participant_id
where spells.entry_date <= snapshot_at_cutoff.cutoff_date
