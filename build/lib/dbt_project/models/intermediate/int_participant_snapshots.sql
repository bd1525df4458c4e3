{#- The participants snapshots on hand: one row per project and reporting month with rows.
    int_participant_spells_at_cutoff picks, per project and cut-off C, the newest of them ≤ C;
    delivery_status takes each snapshot's count of rows with incomplete core data from here.

    Why a model of its own, incremental per reporting month: the list used to be a
    `select distinct project_id, reporting_month` over every snapshot row of the history
    (16M rows at benchmark scale) in the spells view, again for each rebuilt cut-off. A
    snapshot changes only with an upload of its own month, so a run counts only the snapshots
    of the months it rebuilds (esf_rebuild.sql). The same holds for the incomplete rows,
    which delivery_status used to count over the whole history on every build (≈ 1.3 s at
    benchmark scale, next to the participant table's build on a 2-core machine). -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='reporting_month',
    on_schema_change='sync_all_columns',
    pre_hook="{{ esf_rebuild_delete('reporting_month') }}",
) }}

select
    project_id,
    reporting_month,
    count(*) as spell_count,
    count(*) filter (
        where not {{ esf_core_complete('gender', 'birth_year', 'employment_status', 'isced', 'entry_date') }}
    ) as incomplete_count
from {{ ref('stg_esf__participants') }}
where {{ esf_rebuild_filter('reporting_month') }}
group by project_id, reporting_month
