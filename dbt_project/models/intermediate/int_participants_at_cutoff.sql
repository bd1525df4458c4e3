{#- One row per participant = (project_id, participant_id) and cut-off, with every flag the
    marts sum up (docs/indicators.md "Participant"): characteristics and first entry from the
    FIRST spell; leaver iff every spell is closed at C; exit = the LAST exit; results from the
    LAST spell; followup as known at C matched on the last exit. Only projects of the registry
    that had started by C. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='cutoff',
    on_schema_change='sync_all_columns',
    pre_hook="{{ esf_rebuild_delete('cutoff') }}",
) }}
{%- set first_spell_columns = [
    'gender', 'birth_year', 'employment_status', 'isced', 'single_parent', 'children_under_18',
    'disability', 'nationality', 'foreign_background', 'minority', 'homeless', 'rural',
    'district', 'access_channel',
] -%}
{%- set last_spell_columns = ['exit_reason', 'status_upon_leaving', 'qualification_gained'] -%}

-- noqa: disable=LT02,LT09,ST09,AL09,RF02,RF03,AM03
-- (columns written by Jinja loops, and `grouping sets` / `not materialized`, which sqlfluff's
-- duckdb dialect does not parse: its fixes would damage the loops; the layout is kept by hand)
with

spells as not materialized (

    -- used twice below (single and several spells): streamed twice, never copied whole
    select * from {{ ref('int_participant_spells_at_cutoff') }}
    where {{ esf_rebuild_filter('cutoff') }}

),

cutoffs as (

    select * from {{ ref('int_cutoffs') }}

),

projects as (

    select cutoff, project_id, target_group as project_target_group
    from {{ ref('int_projects_at_cutoff') }}

),

followup as (

    select * from {{ ref('int_followup_versions') }}

),

single_spell as (

    -- one spell: it is the first and the last, nothing to collapse
    select
        cutoff,
        project_id,
        participant_id,
        1 as spell_count,
        entry_date as first_entry_date,
        {%- for column in first_spell_columns %}
        {{ column }},
        {%- endfor %}
        exit_date is not null as is_leaver,
        exit_date as last_exit_date,
        {%- for column in last_spell_columns %}
        case when exit_date is not null then {{ column }} end as {{ column }}{{ "," if not loop.last }}
        {%- endfor %}
    from spells
    where is_only_spell

),

collapsed as (

    select
        cutoff,
        project_id,
        participant_id,
        count(*) as spell_count,
        min(entry_date) as first_entry_date,
        bool_and(exit_date is not null) as is_leaver,
        max(exit_date) as max_exit_date,
        arg_min(struct_pack({{ first_spell_columns | join(', ') }}), entry_date) as first_spell,
        arg_max(struct_pack({{ last_spell_columns | join(', ') }}), entry_date) as last_spell
    from spells
    where not coalesce(is_only_spell, false)
    group by cutoff, project_id, participant_id

),

multi_spell as (

    select
        cutoff,
        project_id,
        participant_id,
        spell_count,
        first_entry_date,
        {%- for column in first_spell_columns %}
        first_spell.{{ column }} as {{ column }},
        {%- endfor %}
        is_leaver,
        case when is_leaver then max_exit_date end as last_exit_date,
        {%- for column in last_spell_columns %}
        case when is_leaver then last_spell.{{ column }} end as {{ column }}{{ "," if not loop.last }}
        {%- endfor %}
    from collapsed

),

participants as (

    select * from single_spell
    union all
    select * from multi_spell

),

classified as (

    select
        participants.*,
        projects.project_target_group,
        {{ esf_core_complete('participants.gender', 'participants.birth_year',
                             'participants.employment_status', 'participants.isced',
                             'participants.first_entry_date') }} as is_complete,
        year(participants.first_entry_date) - participants.birth_year as age_at_entry,

        coalesce(participants.single_parent, false) as is_single_parent,
        coalesce(participants.gender = 'f' and participants.foreign_background = 'yes', false)
            as is_woman_foreign_background,
        coalesce(participants.children_under_18 >= 1 and participants.isced <= 2, false)
            as is_parent_low_qualified,

        participants.first_entry_date >= cutoffs.cutoff_month_start as entered_in_month,
        participants.first_entry_date >= cutoffs.window_start_date as entered_in_12m,
        coalesce(participants.last_exit_date >= cutoffs.cutoff_month_start, false) as left_in_month,
        coalesce(participants.last_exit_date >= cutoffs.window_start_date, false) as left_in_12m,
        coalesce(participants.last_exit_date <= cutoffs.minus_6_months_date, false)
            as left_by_minus_6_months,

        participants.is_leaver
            and coalesce(participants.status_upon_leaving in {{ esf_sql_list(esf_integrated_statuses()) }}, false)
            as is_integrated,
        participants.is_leaver
            and coalesce(participants.status_upon_leaving, 'unknown') = 'unknown'
            as is_status_unknown,
        participants.last_exit_date - participants.first_entry_date + 1 as duration_days,

        followup.participant_id is not null as has_followup,
        followup.status_6m as followup_status_6m,
        -- cell key method of the public release: summed per published count, mod 256
        record_keys.record_key
    from participants
    inner join projects
        on projects.cutoff = participants.cutoff
        and projects.project_id = participants.project_id
    inner join cutoffs
        on cutoffs.cutoff = participants.cutoff
    left join {{ ref('int_record_keys') }} as record_keys
        on record_keys.project_id = participants.project_id
        and record_keys.participant_id = participants.participant_id
    left join followup
        on followup.project_id = participants.project_id
        and followup.participant_id = participants.participant_id
        and followup.exit_date = participants.last_exit_date
        and followup.valid_from_month <= participants.cutoff
        and (followup.valid_until_month is null or followup.valid_until_month > participants.cutoff)

)

select
    * exclude (project_target_group),
    case
        when age_at_entry is null then 'unknown'
        when age_at_entry < 18 then '<18'
        when age_at_entry <= 29 then '18–29'
        when age_at_entry <= 54 then '30–54'
        else '55+'
    end as age_group,
    case
        when isced is null then 'unknown'
        when isced <= 2 then 'ISCED 0–2'
        when isced <= 4 then 'ISCED 3–4'
        else 'ISCED 5–8'
    end as isced_level,
    case project_target_group
        when 'elb_total' then true
        when 'single_parents' then is_single_parent
        when 'women_foreign_background' then is_woman_foreign_background
        when 'parents_low_qualified' then is_parent_low_qualified
        else false
    end as is_project_target_group_member
from classified
