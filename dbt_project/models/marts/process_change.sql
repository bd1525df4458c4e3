{#- Change against the previous wave with data, per item asked in both waves, over the panel
    of municipalities that answered the item in both (docs/process-monitoring.md "Change
    between waves"): the share implemented, and implemented or in planning, in each wave and
    the change in percentage points. No rows for the first wave. -#}
with

waves as (

    select * from {{ ref('int_process_waves') }}
    where previous_wave is not null

),

asked as (

    select * from {{ ref('int_process_items_asked') }}

),

answers as (

    select * from {{ ref('int_process_answers') }}

),

pairs as (

    select
        waves.wave,
        waves.previous_wave,
        current_items.item_id,
        current_items.item_order
    from waves
    inner join asked as current_items
        on waves.wave = current_items.wave
    inner join asked as previous_items
        on waves.previous_wave = previous_items.wave
            and current_items.item_id = previous_items.item_id

),

panel as (

    select
        pairs.wave,
        pairs.item_id,
        count(*) as panel_municipalities,
        count(*) filter (where previous_answers.status = 'implemented') as implemented_prev,
        count(*) filter (where current_answers.status = 'implemented') as implemented,
        count(*) filter (
            where previous_answers.status in ('implemented', 'in_planning')
        ) as implemented_or_planning_prev,
        count(*) filter (
            where current_answers.status in ('implemented', 'in_planning')
        ) as implemented_or_planning
    from pairs
    inner join answers as current_answers
        on pairs.wave = current_answers.wave
            and pairs.item_id = current_answers.item_id
    inner join answers as previous_answers
        on pairs.previous_wave = previous_answers.wave
            and pairs.item_id = previous_answers.item_id
            and current_answers.municipality_id = previous_answers.municipality_id
    group by pairs.wave, pairs.item_id

),

counted as (

    select
        pairs.wave,
        pairs.previous_wave,
        pairs.item_id,
        pairs.item_order,
        coalesce(panel.panel_municipalities, 0) as panel_municipalities,
        panel.implemented_prev,
        panel.implemented,
        panel.implemented_or_planning_prev,
        panel.implemented_or_planning
    from pairs
    left join panel
        on pairs.wave = panel.wave
            and pairs.item_id = panel.item_id

)

select
    wave,
    previous_wave,
    item_id,
    panel_municipalities,
    cast(implemented_prev as double) / nullif(panel_municipalities, 0) as share_implemented_prev,
    cast(implemented as double) / nullif(panel_municipalities, 0) as share_implemented,
    100 * cast(implemented - implemented_prev as double) / nullif(panel_municipalities, 0) as change_pp,
    cast(implemented_or_planning_prev as double) / nullif(panel_municipalities, 0)
        as share_implemented_or_planning_prev,
    cast(implemented_or_planning as double) / nullif(panel_municipalities, 0)
        as share_implemented_or_planning,
    100 * cast(implemented_or_planning - implemented_or_planning_prev as double)
    / nullif(panel_municipalities, 0)
        as change_or_planning_pp,
    item_order
from counted
