{#- The people with two or more spells in ONE participants snapshot (project × reporting
    month): exactly the rows int_participants_at_cutoff has to collapse. Everyone else has one
    spell in that snapshot and is taken as it is.

    Why a model of its own, incremental per reporting month: the set used to be computed inside
    the int_participant_spells_at_cutoff view, grouping every snapshot row of the whole history
    (16M rows at benchmark scale), once per branch of int_participants_at_cutoff that reads the
    view — also when a run rebuilds one new cut-off. A snapshot of month M only changes with an
    upload of month M, so a run groups only the snapshots of the months it rebuilds (from the
    earliest month loaded since the last build on, esf_rebuild.sql), and both readers join
    the stored rows.

    Two steps, cheaper than grouping every (project, month, person) at once: a person with two
    spells in one snapshot has two different entry dates (the key of stg_esf__participants
    includes entry_date), so the candidates are the people whose entry dates differ across the
    snapshots read (≈1 group per person); only their rows are then counted per snapshot. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='reporting_month',
    on_schema_change='sync_all_columns',
    pre_hook="{{ esf_rebuild_delete('reporting_month') }}",
) }}

with

spells as not materialized (

    -- read twice (candidates, then their rows): scanned twice, never copied
    select
        project_id,
        reporting_month,
        participant_id,
        entry_date
    from {{ ref('stg_esf__participants') }}
    where {{ esf_rebuild_filter('reporting_month') }}

),

candidates as (

    select
        project_id,
        participant_id
    from spells
    group by project_id, participant_id
    having min(entry_date) <> max(entry_date)

)

select
    spells.project_id,
    spells.reporting_month,
    spells.participant_id,
    count(*) as spell_count
from spells
semi join candidates
    on spells.project_id = candidates.project_id
        and spells.participant_id = candidates.participant_id
group by spells.project_id, spells.reporting_month, spells.participant_id
having count(*) > 1
