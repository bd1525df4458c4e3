{#- Per survey wave and checklist item asked in it: how many registered municipalities
    answered each status, zeros included, plus status = answered (docs/process-monitoring.md
    "Figures"). share = count ÷ municipalities answering the item, a fraction (empty when none
    answered). -#}
with

asked as (

    select * from {{ ref('int_process_items_asked') }}

),

answers as (

    select * from {{ ref('int_process_answers') }}

),

registered as (

    select
        wave,
        count(*) as municipalities_registered
    from {{ ref('int_process_municipality_waves') }}
    group by wave

),

statuses as (

    -- the seed's order of the bars, then the number answering
    select * from (
        values
        ('no', 1),
        ('not_planned_useful', 2),
        ('in_planning', 3),
        ('implemented', 4),
        ('answered', 5)
    ) as statuses (status, status_order)

),

answering as (

    select
        wave,
        item_id,
        count(*) as municipalities_answering
    from answers
    group by wave, item_id

),

status_counts as (

    select
        wave,
        item_id,
        status,
        count(*) as status_count
    from answers
    group by wave, item_id, status

),

counted as (

    select
        asked.wave,
        asked.item_id,
        asked.section,
        coalesce(registered.municipalities_registered, 0) as municipalities_registered,
        coalesce(answering.municipalities_answering, 0) as municipalities_answering,
        statuses.status,
        case
            when statuses.status = 'answered' then coalesce(answering.municipalities_answering, 0)
            else coalesce(status_counts.status_count, 0)
        end as status_count,
        asked.item_order,
        statuses.status_order
    from asked
    cross join statuses
    left join registered
        on asked.wave = registered.wave
    left join answering
        on asked.wave = answering.wave
            and asked.item_id = answering.item_id
    left join status_counts
        on asked.wave = status_counts.wave
            and asked.item_id = status_counts.item_id
            and statuses.status = status_counts.status

)

select
    wave,
    item_id,
    section,
    municipalities_registered,
    municipalities_answering,
    status,
    status_count as count,
    cast(status_count as double) / nullif(municipalities_answering, 0) as share,
    item_order,
    status_order
from counted
