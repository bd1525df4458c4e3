{#- Spells "as known at" each cut-off C: per project the newest snapshot with reporting month
    <= C; spells entering after C are ignored and an exit after C counts as no exit yet.
    Snapshots are cumulative, so one snapshot per project and cut-off holds its whole history:
    an equi-join on (project, snapshot month), never all spells x all cut-offs.
    is_only_spell marks the (vast majority of) people with a single spell in the snapshot used:
    they need no collapsing, which spares int_participants_at_cutoff a costly aggregation. The
    people with several spells come from int_multi_spell_participants and the list of
    snapshots from int_participant_snapshots, both stored per reporting month: this view, read
    twice by int_participants_at_cutoff, groups no snapshot rows itself (only the small list
    of snapshots per cut-off). -#}
with

spells as (

    select * from {{ ref('stg_esf__participants') }}

),

cutoffs as (

    select
        cutoff,
        cutoff_date
    from {{ ref('int_cutoffs') }}

),

multi_spell as (

    select
        project_id,
        reporting_month,
        participant_id
    from {{ ref('int_multi_spell_participants') }}

),

snapshot_months as (

    select
        project_id,
        reporting_month
    from {{ ref('int_participant_snapshots') }}

),

snapshot_at_cutoff as (

    select
        cutoffs.cutoff,
        cutoffs.cutoff_date,
        snapshot_months.project_id,
        max(snapshot_months.reporting_month) as snapshot_month
    from cutoffs
    inner join snapshot_months
        on cutoffs.cutoff >= snapshot_months.reporting_month
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
    case when spells.exit_date <= snapshot_at_cutoff.cutoff_date then spells.status_upon_leaving end
        as status_upon_leaving,
    case when spells.exit_date <= snapshot_at_cutoff.cutoff_date then spells.qualification_gained end
        as qualification_gained,
    multi_spell.participant_id is null as is_only_spell
from snapshot_at_cutoff
inner join spells
    on snapshot_at_cutoff.project_id = spells.project_id
        and snapshot_at_cutoff.snapshot_month = spells.reporting_month
left join multi_spell
    on spells.project_id = multi_spell.project_id
        and spells.reporting_month = multi_spell.reporting_month
        and spells.participant_id = multi_spell.participant_id
where spells.entry_date <= snapshot_at_cutoff.cutoff_date
