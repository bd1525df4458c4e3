{#- Who carries an item, for the items that ask it: over the municipalities that answered
    implemented or in_planning, how many named each responsibility code, and unknown where
    they left it empty; zeros included. share = count ÷ (implemented + in planning), empty when
    none (docs/process-monitoring.md: "83 % THM responsible, about half of them alone"). -#}
with

asked as (

    select * from {{ ref('int_process_items_asked') }}
    where asks_responsibility

),

carried as (

    select
        wave,
        item_id,
        coalesce(responsibility, 'unknown') as responsibility
    from {{ ref('int_process_answers') }}
    where status in ('implemented', 'in_planning')

),

codes as (

    select * from (
        values
        ('thm_alone', 1),
        ('thm_shared', 2),
        ('partners', 3),
        ('unknown', 4)
    ) as codes (responsibility, responsibility_order)

),

base as (

    select
        wave,
        item_id,
        count(*) as municipalities_implemented_or_planning
    from carried
    group by wave, item_id

),

code_counts as (

    select
        wave,
        item_id,
        responsibility,
        count(*) as responsibility_count
    from carried
    group by wave, item_id, responsibility

),

counted as (

    select
        asked.wave,
        asked.item_id,
        codes.responsibility,
        coalesce(code_counts.responsibility_count, 0) as responsibility_count,
        coalesce(base.municipalities_implemented_or_planning, 0) as municipalities_implemented_or_planning,
        asked.item_order,
        codes.responsibility_order
    from asked
    cross join codes
    left join base
        on asked.wave = base.wave
            and asked.item_id = base.item_id
    left join code_counts
        on asked.wave = code_counts.wave
            and asked.item_id = code_counts.item_id
            and codes.responsibility = code_counts.responsibility

)

select
    wave,
    item_id,
    responsibility,
    responsibility_count as count,
    cast(responsibility_count as double) / nullif(municipalities_implemented_or_planning, 0) as share,
    municipalities_implemented_or_planning,
    item_order,
    responsibility_order
from counted
